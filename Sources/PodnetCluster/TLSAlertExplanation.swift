/// What a TLS alert from the API server means for podnetd's credentials, in words: BoringSSL reports
/// the server's refusal of a client certificate only as an alert name (`TLSV1_ALERT_UNKNOWN_CA`),
/// which says nothing about which side or which setting is wrong.
enum TLSAlertExplanation {
    /// A sentence for the alert in `error`'s text, or nil when it is no client-certificate refusal.
    static func explain(_ errorText: String, presentedClientCertificate: Bool) -> String? {
        if errorText.contains("ALERT_CERTIFICATE_REQUIRED") {
            return "the API server requires a client certificate and the credentials have none "
                + "(client-certificate and client-key in the kubeconfig)"
        }
        guard presentedClientCertificate else { return nil }
        for alert in ["ALERT_UNKNOWN_CA", "ALERT_BAD_CERTIFICATE", "ALERT_CERTIFICATE_UNKNOWN", "ALERT_CERTIFICATE_EXPIRED",
            "ALERT_CERTIFICATE_REVOKED", "ALERT_ACCESS_DENIED"] where errorText.contains(alert) {
            return "the API server refused the client certificate (\(alert.dropFirst("ALERT_".count).lowercased()): "
                + "not signed by a CA it trusts, expired or revoked)"
        }
        return nil
    }
}

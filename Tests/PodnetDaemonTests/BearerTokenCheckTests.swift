import PodnetDaemon
import Testing

/// `BearerTokenCheck`: exactly `Bearer <token>` passes (scheme in any case); everything else fails.
@Suite struct BearerTokenCheckTests {
    let check = BearerTokenCheck(token: "s3cret-Token")

    @Test("the right token passes")
    func rightToken() {
        #expect(check.isEnabled)
        #expect(check.allows(authorizationHeader: "Bearer s3cret-Token"))
    }

    @Test("a wrong token of the same length fails", arguments: ["s3cret-Tokem", "S3cret-Token", "xxxxxxxxxxxx"])
    func wrongToken(_ token: String) {
        #expect(!check.allows(authorizationHeader: "Bearer \(token)"))
    }

    @Test(
        "a token that is a prefix, an extension or empty fails",
        arguments: ["s3cret-Toke", "s3cret-Token2", "s3cret-Token ", "s", "", " "])
    func wrongLength(_ token: String) {
        #expect(!check.allows(authorizationHeader: "Bearer \(token)"))
    }

    @Test("a missing header or another scheme fails")
    func missingHeaderOrScheme() {
        #expect(!check.allows(authorizationHeader: nil))
        #expect(!check.allows(authorizationHeader: ""))
        #expect(!check.allows(authorizationHeader: "s3cret-Token"))
        #expect(!check.allows(authorizationHeader: "Basic s3cret-Token"))
        #expect(!check.allows(authorizationHeader: "Bearer"))
        #expect(!check.allows(authorizationHeader: "Bearers3cret-Token"))
    }

    @Test("the scheme is case-insensitive, the token is not", arguments: ["bearer", "BEARER", "bEaReR"])
    func schemeCase(_ scheme: String) {
        #expect(check.allows(authorizationHeader: "\(scheme) s3cret-Token"))
        #expect(!check.allows(authorizationHeader: "\(scheme) S3CRET-TOKEN"))
    }

    @Test("without a configured token every request passes")
    func disabled() {
        let open = BearerTokenCheck(token: nil)
        #expect(!open.isEnabled)
        #expect(open.allows(authorizationHeader: nil))
        #expect(open.allows(authorizationHeader: "Bearer anything"))
    }
}

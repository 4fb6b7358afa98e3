import Foundation
import PodnetAnalysis
import PodnetConfig
import PodnetModel
import Synchronization

/// The cluster read once, for `podnetd check` and `podnetd dump`: one list per resource, no watch,
/// plus ipamd's record.
public enum ClusterOnce {
    /// The cluster input now, or nil when podnetd reads nothing of the cluster here: `kubernetes.enabled`
    /// false, or no credentials at all (and no kubeconfig named), and no ipamd checkpoint. An explicit
    /// kubeconfig that does not work, or an API that does not answer, is an unavailable view (a finding).
    public static func read(
        kubernetes: KubernetesSettings, ipamd ipamdSettings: IpamdSettings, nodeName: String, nodeNameSource: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> ClusterInput? {
        var input = ClusterInput(maxViewAgeSeconds: kubernetes.maxViewAgeSeconds)
        var any = false
        do {
            if let ipamd = try await IpamdReader.read(
                checkpointPath: ipamdSettings.checkpointPath, introspectionAddress: ipamdSettings.introspectionAddress)
            {
                input.ipamd = ipamd
                any = true
            }
        } catch {
            input.ipamd = IpamdView(source: ipamdSettings.checkpointPath, introspectionError: "\(error)")
            any = true
        }
        guard kubernetes.enabled else { return any ? input : nil }
        let credentials: KubeCredentials
        do {
            credentials = try KubeCredentialsResolver.resolve(explicitKubeconfig: kubernetes.kubeconfig, environment: environment)
        } catch {
            guard kubernetes.kubeconfig != nil || UnitSandbox.remedy(for: "\(error)") != nil else { return any ? input : nil }
            input.unavailableReason = "\(error)"
            input.accessRemedy = UnitSandbox.remedy(for: "\(error)")
            return input
        }
        let client: KubeAPIClient
        do {
            client = try KubeAPIClient(credentials: credentials, requestTimeoutSeconds: kubernetes.requestTimeoutSeconds)
        } catch {
            input.unavailableReason = "\(error)"
            return input
        }
        do {
            input.view = try await ClusterLister.list(client: client, nodeName: nodeName, nodeNameSource: nodeNameSource)
        } catch {
            input.unavailableReason = "\(credentials.server) (\(credentials.origin)): \(error)"
            input.accessRemedy = UnitSandbox.remedy(for: "\(error)")
        }
        await client.shutdown()
        return input
    }

    /// Runs `body` to completion from synchronous code (the command-line tool's commands).
    public static func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T? {
        let result = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            result.set(await body())
            done.signal()
        }
        done.wait()
        return result.get()
    }
}

/// A value handed from a task to a waiting thread.
final class ResultBox<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func set(_ newValue: T) { value.withLock { $0 = newValue } }
    func get() -> T? { value.withLock { $0 } }
}

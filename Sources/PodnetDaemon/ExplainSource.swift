import PodnetAnalysis
import PodnetModel
import Synchronization

/// What `/explain` answers from: one published snapshot with its expectations and analysis. The
/// routing index is built once and shared: by `StatusBoard` in the background right after
/// publication while /explain is in use, else by the first request for this snapshot.
public final class ExplainSource: Sendable {
    private let snapshot: NodeSnapshot
    private let expectations: Expectations
    private let report: Report
    private let explainer = Mutex<PathExplainer?>(nil)

    public init(snapshot: NodeSnapshot, expectations: Expectations, report: Report) {
        self.snapshot = snapshot
        self.expectations = expectations
        self.report = report
    }

    /// Whether the index has been built (tests check who built it).
    var isIndexed: Bool { explainer.withLock { $0 != nil } }

    /// The explainer of this snapshot, indexed on first use.
    public func indexed() -> PathExplainer {
        explainer.withLock { cached in
            if let cached { return cached }
            let built = PathExplainer(snapshot: snapshot, expectations: expectations, report: report)
            cached = built
            return built
        }
    }
}

import Foundation
import PodnetTestSupport
import Testing

/// dist/podnetd: the symbol versions it needs, the libraries it links, what it says it is.
@Suite("release binary")
struct ReleaseBinaryTests {
    /// Amazon Linux 2023 and RHEL 9: glibc 2.34, GCC 11's libstdc++.
    static let maxGLIBC = [2, 34]
    static let maxGLIBCXX = [3, 4, 29]
    /// The shared libraries a node must have: libnl (soname 200), zlib, glibc, the C++ runtime.
    static let allowedLibraries: Set<String> = [
        "libnl-3.so.200", "libnl-route-3.so.200", "libz.so.1", "libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1",
        "ld-linux-x86-64.so.2",
    ]

    @Test("needs at most GLIBC_2.34 and GLIBCXX_3.4.29 (objdump -T)")
    func symbolBaseline() throws {
        let release = try ReleaseArtefacts.built()
        let symbols = try runChecked("objdump", ["-T", release.binary])
        let glibc = Self.versions(of: "GLIBC", in: symbols)
        let glibcxx = Self.versions(of: "GLIBCXX", in: symbols)
        let highestGLIBC = try #require(glibc.max(by: Self.less), "no GLIBC_ symbol versions in objdump -T")
        let highestGLIBCXX = glibcxx.max(by: Self.less)
        let baseline = "dist/podnetd needs GLIBC_\(Self.text(highestGLIBC)), "
            + (highestGLIBCXX.map { "GLIBCXX_\(Self.text($0))" } ?? "no libstdc++ symbols")
        print("symbol baseline: \(baseline)")
        #expect(!Self.less(Self.maxGLIBC, highestGLIBC), "\(baseline): above GLIBC_2.34")
        if let highestGLIBCXX {
            #expect(!Self.less(Self.maxGLIBCXX, highestGLIBCXX), "\(baseline): above GLIBCXX_3.4.29")
        }
        // Which symbols are above the baseline, to say what to fix.
        let above = symbols.split(separator: "\n").filter { line in
            Self.versions(of: "GLIBC", in: String(line)).contains { Self.less(Self.maxGLIBC, $0) }
                || Self.versions(of: "GLIBCXX", in: String(line)).contains { Self.less(Self.maxGLIBCXX, $0) }
        }
        #expect(above.isEmpty, "symbols above the baseline:\n\(above.joined(separator: "\n"))")
    }

    @Test("the parser of symbol versions finds a version above the baseline (so the test above can fail)")
    func symbolParserSeesNewerVersions() {
        let line = "0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.35)  hypot\n"
            + "0000000000000000      DF *UND*\t0000000000000000  GLIBCXX_3.4.30 _ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE\n"
        #expect(Self.versions(of: "GLIBC", in: line) == [[2, 35]])
        #expect(Self.versions(of: "GLIBCXX", in: line) == [[3, 4, 30]])
        #expect(Self.less(Self.maxGLIBC, [2, 35]))
        #expect(!Self.less(Self.maxGLIBC, [2, 2, 5]))
    }

    @Test("links only libnl-3, libnl-route-3 and the C/C++ runtime; stripped")
    func sharedLibraries() throws {
        let release = try ReleaseArtefacts.built()
        let headers = try runChecked("objdump", ["-p", release.binary])
        let needed = Set(headers.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            return words.count == 2 && words[0] == "NEEDED" ? String(words[1]) : nil
        })
        #expect(needed.contains("libnl-route-3.so.200") && needed.contains("libnl-3.so.200"), "NEEDED: \(needed.sorted())")
        #expect(needed.isSubset(of: Self.allowedLibraries), "unexpected libraries: \(needed.subtracting(Self.allowedLibraries).sorted())")
        // No Swift runtime libraries: it is linked in.
        #expect(!needed.contains { $0.hasPrefix("libswift") || $0.hasPrefix("libFoundation") }, "\(needed.sorted())")
        let sections = try runChecked("objdump", ["-h", release.binary])
        #expect(!sections.contains(".debug_info"), "dist/podnetd still has debug information")
        let symbolTable = try runProcess("nm", [release.binary])
        #expect(symbolTable.stderr.contains("no symbols"), "dist/podnetd is not stripped: \(symbolTable.stdout.prefix(200))")
    }

    @Test("--version names the version of VERSION and the git commit")
    func versionAndCommit() throws {
        let release = try ReleaseArtefacts.built()
        let output = try runChecked(release.binary, ["--version"])
        #expect(output == "\(release.version) (commit \(release.commit))\n")
        #expect(!release.version.isEmpty && release.commit.count >= 12)
    }

    @Test("a developer build says so instead of naming a version")
    func developerBuildSaysDev() throws {
        let binary = try PodnetdBinary.locate()
        let output = try runChecked(binary.path, ["--version"])
        #expect(output == "dev (commit unknown)\n", "\(binary.path) --version: \(output)")
    }

    /// Every "NAME_1.2.3" version of symbol set `name` (GLIBC, GLIBCXX) that `text` mentions.
    static func versions(of name: String, in text: String) -> [[Int]] {
        var found: [[Int]] = []
        var rest = Substring(text)
        while let range = rest.range(of: name + "_") {
            let after = rest[range.upperBound...]
            let digits = after.prefix { $0.isNumber || $0 == "." }
            // GLIBC_ must not match inside GLIBCXX_, nor GLIBC_PRIVATE.
            let before = range.lowerBound == text.startIndex ? nil : rest[..<range.lowerBound].last
            if !digits.isEmpty, before.map({ !$0.isLetter }) ?? true {
                found.append(digits.split(separator: ".").compactMap { Int($0) })
            }
            rest = after
        }
        return found
    }

    static func less(_ a: [Int], _ b: [Int]) -> Bool { a.lexicographicallyPrecedes(b) }
    static func text(_ version: [Int]) -> String { version.map(String.init).joined(separator: ".") }
}

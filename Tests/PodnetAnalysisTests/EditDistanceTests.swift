import PodnetAnalysis
import Testing

@Suite("edit distance")
struct EditDistanceTests {
    func distance(_ a: String, _ b: String, transpositions: Bool = false) -> Int {
        EditDistance.between(Array(a.utf8), Array(b.utf8), transpositions: transpositions)
    }

    @Test("insertions, deletions and substitutions count one each")
    func levenshtein() {
        #expect(distance("", "abc") == 3)
        #expect(distance("abc", "") == 3)
        #expect(distance("t3a.medium", "t3a.medium") == 0)
        #expect(distance("t3a.mediun", "t3a.medium") == 1)
        #expect(distance("m5.larg", "m5.large") == 1)
        #expect(distance("kitten", "sitting") == 3)
    }

    @Test("an adjacent swap is two edits, or one with transpositions")
    func transpositions() {
        #expect(distance("podCIRDs", "podCIDRs") == 2)
        #expect(distance("podCIRDs", "podCIDRs", transpositions: true) == 1)
        #expect(distance("ca", "abc", transpositions: true) == 3)
    }
}

import Testing

@testable import StrideIQSupport

@Suite("Memo: the last input per key")
struct MemoTests {
    @Test func computesOncePerInputAndAgainWhenTheInputChanges() {
        let memo = Memo<Int, String, Int>(capacity: 2)
        var calls = 0
        func length(_ text: String) -> Int {
            calls += 1
            return text.count
        }
        #expect(memo.value(for: 1, input: "abc", compute: length) == 3)
        #expect(memo.value(for: 1, input: "abc", compute: length) == 3)
        #expect(calls == 1, "the same input is remembered")
        #expect(memo.value(for: 1, input: "abcd", compute: length) == 4)
        #expect(calls == 2, "a changed input recomputes")
        #expect(memo.value(for: 2, input: "abcd", compute: length) == 4)
        #expect(calls == 3, "keys do not share entries")
        #expect(memo.count == 2)
        #expect(memo.value(for: 3, input: "x", compute: length) == 1)
        #expect(memo.count == 1, "past capacity it starts over")
        #expect(memo.value(for: 1, input: "abcd", compute: length) == 4)
        #expect(calls == 5)
    }
}

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

    /// The pair an `async` computation uses (the access-token check): nothing is remembered for an unseen key or
    /// for a different input, and `remember` follows the same capacity rule as `value`.
    @Test func rememberedIsOnlyForTheSameInput() {
        let memo = Memo<String, String, Int>(capacity: 2)
        #expect(memo.remembered(for: "a", input: "token-a") == nil)
        memo.remember(1, for: "a", input: "token-a")
        #expect(memo.remembered(for: "a", input: "token-a") == 1)
        #expect(memo.remembered(for: "a", input: "token-a2") == nil, "another input under the same key")
        #expect(memo.remembered(for: "b", input: "token-a") == nil, "another key")
        memo.remember(2, for: "b", input: "token-b")
        memo.remember(3, for: "c", input: "token-c")
        #expect(memo.count == 1, "past capacity it starts over")
        #expect(memo.remembered(for: "a", input: "token-a") == nil)
        #expect(memo.remembered(for: "c", input: "token-c") == 3)
    }
}

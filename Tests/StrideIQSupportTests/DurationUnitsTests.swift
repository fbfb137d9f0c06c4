import StrideIQSupport
import Testing

@Suite struct DurationUnitsTests {
    @Test func units() {
        let duration = Duration.milliseconds(1_500) + .microseconds(250)
        #expect(abs(duration.seconds - 1.50025) < 1e-12)
        #expect(duration.milliseconds == 1_500.25)
        #expect(duration.nanoseconds == 1_500_250_000)
        #expect(Int(Duration.milliseconds(2_999).milliseconds) == 2_999)
    }

    @Test func wholeSecondsRoundUp() {
        #expect(Duration.seconds(3).wholeSecondsRoundedUp == 3)
        #expect((Duration.seconds(3) + .nanoseconds(1)).wholeSecondsRoundedUp == 4)
        #expect(Duration.zero.wholeSecondsRoundedUp == 0)
    }
}

import Foundation
import NIOHTTP1
import StrideIQSupport

/// Paces requests to the rate-limited `/v1/auth/*` routes by what the server says about its window.
///
/// A response with `X-RateLimit-Remaining: 0` closes the gate until `X-RateLimit-Reset` seconds (+0.5 s,
/// so the server's fixed window has surely turned over) after that response. With several requests in
/// flight the gate also keeps its own count: Remaining minus the requests still on their way is what may
/// be sent before the window turns, so concurrent workers pause before overshooting into 429s instead of
/// after. The pause is taken by the next auth request, so nothing waits when none is left to send, and
/// since it happens before that request's clock starts it is never part of a sample.
actor AuthRateGate {
    /// The window is one minute; a larger Reset is a misbehaving server, not a reason to wait for hours.
    static let longestPause: Double = 120
    static let margin: Duration = .milliseconds(500)
    /// Reset is in whole seconds, so one window's responses put its end up to a second apart; a later end
    /// than that is the next window.
    static let resetResolution: Duration = .seconds(1)

    /// Handed out by `waitForTurn`, given back to `finished`.
    struct Ticket: Sendable {
        fileprivate let generation: Int
    }

    private let announce: @Sendable (String) -> Void
    private var resumeAt: ContinuousClock.Instant?
    /// Counts pauses taken: responses to requests sent before the latest pause speak of an old window.
    private var generation = 0
    /// Requests that may still be sent in the server's current window, by our count; nil when unknown.
    private var budget: Int?
    private var windowEndsAt: ContinuousClock.Instant?
    private var inFlight = 0
    private var reported = (remaining: 0, reset: 0.0, inFlight: 0)
    private var announcedResumeAt: ContinuousClock.Instant?
    private(set) var pauses = 0

    init(announce: @escaping @Sendable (String) -> Void) {
        self.announce = announce
    }

    /// Returns once an auth request may be sent.
    func waitForTurn() async -> Ticket {
        while !Task.isCancelled {
            if let until = resumeAt {
                if until > .now {
                    announceIfNew(until)
                    // Actor-reentrant sleep: other workers queue up behind the same deadline meanwhile.
                    try? await Task.sleep(until: until, clock: .continuous)
                    continue
                }
                // A new window: its budget is unknown until the next response tells.
                resumeAt = nil
                budget = nil
                windowEndsAt = nil
                generation += 1
            }
            if let budget, budget <= 0, let end = windowEndsAt {
                resumeAt = end + Self.margin
                continue
            }
            break
        }
        budget? -= 1
        inFlight += 1
        return Ticket(generation: generation)
    }

    /// Records how an auth request ended: its response headers (429s carry them too), or nil without a response.
    func finished(_ ticket: Ticket, _ headers: HTTPHeaders?, at now: ContinuousClock.Instant = .now) {
        inFlight -= 1
        guard ticket.generation == generation,
            let remaining = headers?.first(name: "X-RateLimit-Remaining").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) })
        else { return }
        // No Reset header: assume a whole window, the longest a fixed one-minute window can need.
        let reset = min(
            max(headers?.first(name: "X-RateLimit-Reset").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } ?? 60, 0),
            Self.longestPause)
        let end = now + .milliseconds(Int64(reset * 1_000))
        // The other requests in flight may not have been counted by the server yet: assume they were not.
        let estimate = remaining - inFlight
        var pauseUntil = end + Self.margin
        if let known = windowEndsAt, end > known + Self.resetResolution {
            budget = estimate  // the next window
            windowEndsAt = end
        } else if let known = windowEndsAt, end >= known - Self.resetResolution {
            // Same window; responses on different connections arrive out of order, so keep the lowest count.
            budget = min(budget ?? estimate, estimate)
            windowEndsAt = max(known, end)
            pauseUntil = max(known, end) + Self.margin
        } else if windowEndsAt == nil {
            budget = estimate
            windowEndsAt = end
        } else if remaining > 0 {
            // An earlier end than known: most likely the window before, answered late. Its count says
            // nothing about the current window; a Remaining of 0 is still honoured below, to be safe.
            return
        }
        reported = (remaining, reset, inFlight)
        if remaining <= 0, resumeAt.map({ pauseUntil > $0 }) ?? true {
            resumeAt = pauseUntil
        }
    }

    private func announceIfNew(_ until: ContinuousClock.Instant) {
        // Concurrent responses nudge the same pause by milliseconds; that is still one pause to the operator.
        if let announced = announcedResumeAt, until < announced + .seconds(1) { return }
        announcedResumeAt = until
        pauses += 1
        let seconds = (until - .now).milliseconds / 1_000
        let inFlightNote = reported.remaining > 0 ? ", \(reported.inFlight) more in flight" : ""
        announce(
            "waiting \(oneDecimal(seconds)) s for the auth rate limit (X-RateLimit-Remaining: "
                + "\(reported.remaining)\(inFlightNote), X-RateLimit-Reset: \(Self.wholeOrTenths(reported.reset)))")
    }

    private static func wholeOrTenths(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : oneDecimal(value)
    }
}

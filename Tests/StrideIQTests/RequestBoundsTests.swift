import Foundation
import StrideIQSupport
import Testing
import Vapor

@testable import StrideIQ

/// Bounds on the request path: bcrypt checks take turns instead of taking every core, and the worker's default
/// concurrency matches jobs that mostly wait on an LLM.
@Suite("Request bounds")
struct RequestBoundsTests {
    @Test func bcryptConcurrencyDefaultsToAllButOneCoreAndIsValidated() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        #expect(try AppConfig.load(from: [:]).bcryptMaxConcurrency == max(1, cores - 1))
        #expect(try AppConfig.load(from: ["BCRYPT_MAX_CONCURRENCY": "3"]).bcryptMaxConcurrency == 3)
        let bad = #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["BCRYPT_MAX_CONCURRENCY": "0"]) }
        #expect(bad?.problems == ["BCRYPT_MAX_CONCURRENCY must be an integer between 1 and 1024 (got 0)"])
    }

    /// The idle lane's grace follows the cost (a check's time doubles with each step) unless set.
    @Test func bcryptIdleGraceFollowsTheCostUnlessSet() throws {
        #expect(PasswordHashing.defaultIdleGrace(cost: 12) == .seconds(8))
        #expect(PasswordHashing.defaultIdleGrace(cost: 10) == .seconds(2))
        #expect(PasswordHashing.defaultIdleGrace(cost: 4) == .milliseconds(100))
        #expect(try AppConfig.load(from: [:]).bcryptIdleGrace == nil)
        #expect(PasswordHashing(cost: 12, threads: 1).idleGrace == .seconds(8))
        #expect(try AppConfig.load(from: ["BCRYPT_IDLE_GRACE_MS": "250"]).bcryptIdleGrace == .milliseconds(250))
        let bad = #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["BCRYPT_IDLE_GRACE_MS": "5"]) }
        #expect(bad?.problems == ["BCRYPT_IDLE_GRACE_MS must be an integer between 10 and 600000 (got 5)"])
    }

    /// A gate of N permits lets N bodies in at once, queues the rest in arrival order, and frees a permit when a
    /// body throws.
    @Test func asyncGateWithPermitsAdmitsThatManyAtOnce() async throws {
        let gate = AsyncGate(permits: 3)
        let inside = LockedBox(0)
        let most = LockedBox(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await gate.withPermit {
                        let now = inside.withLock { value -> Int in
                            value += 1
                            return value
                        }
                        most.withLock { $0 = max($0, now) }
                        try await Task.sleep(for: .milliseconds(20))
                        inside.withLock { $0 -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(most.current == 3)
        struct Boom: Error {}
        for _ in 0..<4 { _ = try? await gate.withPermit { throw Boom() } }
        #expect(gate.inUse == 0 && gate.waiting == 0)
    }

    /// Briefing jobs are LLM waits: 500 of them at 1 s each must fit in a minute on one worker process with the
    /// defaults, which takes at least 500 / 60 ≈ 9 slots before any overhead (8 took 65 s).
    @Test func workerDefaultClearsFiveHundredOneSecondBriefingsInAMinute() throws {
        let config = try AppConfig.load(from: [:])
        #expect(config.workerConcurrency >= 16)
        #expect(
            (500 + config.workerConcurrency - 1) / config.workerConcurrency <= 30, "rounds of 1 s, leaving half the minute for overhead")
    }

    /// bcrypt runs on its own threads in the idle lane (`SCHED_IDLE`, niceness 10 under it), and the caller's
    /// thread keeps its own priority.
    @Test func passwordChecksRunInTheIdleLane() async throws {
        let hashing = PasswordHashing(cost: 4, threads: 1)
        let callerBefore = (PasswordHashing.currentThreadNiceness(), PasswordHashing.currentThreadPolicy())
        let inside = try await hashing.run {
            (
                PasswordHashing.currentThreadNiceness(), PasswordHashing.currentThreadPolicy(),
                (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
            )
        }
        #if os(Linux)
            #expect(inside.0 == PasswordHashing.niceness)
            #expect(inside.1 == PasswordHashing.idlePolicy)
            #expect(inside.2 == "bcrypt-idle-0\n", "the thread's name, as top -H shows it")
        #endif
        let hash = try await hashing.hash("tempo-run-42-miles")
        #expect(try await hashing.verify("tempo-run-42-miles", created: hash))
        #expect(try await !hashing.verify("tempo-run-43-miles", created: hash))
        #expect(PasswordHashing.currentThreadNiceness() == callerBefore.0)
        #expect(PasswordHashing.currentThreadPolicy() == callerBefore.1)
        await hashing.shutdown()
        _ = inside
    }

    #if os(Linux)
        /// A stalled idle lane (here: its one thread held by a check that cannot finish there, as a starved
        /// `SCHED_IDLE` thread cannot) does not hold logins: after the grace, the stuck check and the one waiting
        /// behind it are answered from the fallback lane (default policy, niceness 10). Once the idle lane moves
        /// again, the waiting check's idle copy is skipped, since it was answered.
        @Test(.timeLimit(.minutes(1))) func aStalledIdleLaneHandsItsChecksToTheFallbackLane() async throws {
            let hashing = PasswordHashing(cost: 4, threads: 1, idleGrace: .milliseconds(50))
            let release = DispatchSemaphore(value: 0)
            let stuckRuns = LockedBox(0)
            let waitingRuns = LockedBox(0)
            let stuck = Task {
                try await hashing.run { () -> Int32 in
                    stuckRuns.withLock { $0 += 1 }
                    let policy = PasswordHashing.currentThreadPolicy()
                    if policy == PasswordHashing.idlePolicy { release.wait() }  // stuck in the idle lane only
                    return policy
                }
            }
            while hashing.gate.inUse == 0 { try await Task.sleep(for: .milliseconds(1)) }
            let waiting = try await hashing.run { () -> (Int32, Int32) in
                waitingRuns.withLock { $0 += 1 }
                return (PasswordHashing.currentThreadPolicy(), PasswordHashing.currentThreadNiceness())
            }
            #expect(waiting.0 == 0 && waiting.1 == PasswordHashing.niceness, "answered from the fallback lane")
            #expect(try await stuck.value == 0, "the stuck check was answered from the fallback lane too")
            #expect(hashing.gate.inUse == 1, "the idle lane is still held")

            release.signal()
            while hashing.gate.inUse > 0 || hashing.gate.waiting > 0 { try await Task.sleep(for: .milliseconds(1)) }
            #expect(stuckRuns.current == 2, "the stuck check ran in both lanes")
            #expect(waitingRuns.current == 1, "the waiting check's idle copy never ran: it had its answer")
            await hashing.shutdown()
        }

        /// A queue longer than the grace is no stall while the idle lane keeps finishing checks: every check is
        /// answered from the idle lane, in turn.
        @Test func aBusyIdleLaneThatKeepsFinishingChecksIsNotBypassed() async throws {
            let hashing = PasswordHashing(cost: 4, threads: 1, idleGrace: .seconds(2))
            let policies = try await withThrowingTaskGroup(of: Int32.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await hashing.run {
                            usleep(400_000)  // 8 × 0.4 s queue past the 2 s grace; one finishes every 0.4 s
                            return PasswordHashing.currentThreadPolicy()
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(policies == Array(repeating: PasswordHashing.idlePolicy, count: 8))
            await hashing.shutdown()
        }

        /// A check that runs longer than the grace is no stall while its thread gets the CPU: it is answered from
        /// the idle lane alone (a starved idle thread gets none).
        @Test func aLongCheckThatGetsTheCPUIsNotBypassed() async throws {
            let hashing = PasswordHashing(cost: 4, threads: 1, idleGrace: .milliseconds(200))
            let runs = LockedBox(0)
            let policy = try await hashing.run { () -> Int32 in
                runs.withLock { $0 += 1 }
                func threadCPU() -> Duration {
                    var time = timespec()
                    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
                    return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
                }
                let start = threadCPU()
                var spin: UInt64 = 0
                while threadCPU() - start < .seconds(1) { spin &+= 1 }  // a second of CPU, 5 graces
                return spin > 0 ? PasswordHashing.currentThreadPolicy() : -1
            }
            #expect(policy == PasswordHashing.idlePolicy)
            #expect(runs.current == 1, "never copied to the fallback lane")
            await hashing.shutdown()
        }
    #endif

    /// With the gate at one permit, concurrent logins (known and unknown emails) run their bcrypt one at a time,
    /// every one of them succeeds or fails on its password alone (waiting is no failed attempt), and `/ping`
    /// answers while they queue.
    @Test(arguments: TestBackend.available)
    func concurrentLoginsTakeTurnsAtBcryptAndPingAnswersMeanwhile(backend: TestBackend) async throws {
        try await TestApp.with(
            backend,
            config: {
                $0.bcryptCost = 10  // a few tens of ms a check, so the queue is visible
                $0.bcryptMaxConcurrency = 1
            }
        ) { t in
            let gate = t.app.strideIQ.passwords.gate
            #expect(gate.permits == 1)
            var registered: [TestApp.Session] = []
            for _ in 0..<5 { registered.append(try await t.register()) }
            let sessions = registered

            // Samples the gate while the logins run: never more than one check at once, and a queue behind it.
            let sampling = LockedBox(true)
            let peaks = LockedBox((inUse: 0, waiting: 0))
            let sampler = Task {
                while sampling.current {
                    let (inUse, waiting) = (gate.inUse, gate.waiting)
                    peaks.withLock { $0 = (max($0.inUse, inUse), max($0.waiting, waiting)) }
                    try? await Task.sleep(for: .milliseconds(1))
                }
            }
            let logins = Task {
                try await withThrowingTaskGroup(of: (Int, HTTPStatus).self) { group in
                    for (index, session) in sessions.enumerated() {
                        group.addTask {
                            let reply = try await t.request(
                                .POST, "/v1/auth/login", json: ["email": "\(session.email)", "password": "\(session.password)"])
                            return (index, reply.status)
                        }
                    }
                    for index in 0..<3 {
                        group.addTask {
                            let reply = try await t.request(
                                .POST, "/v1/auth/login",
                                json: [
                                    "email": "nobody-\(index)-\(UUID().uuidString.prefix(8).lowercased())@example.com",
                                    "password": "tempo-run-42-miles",
                                ])
                            return (sessions.count + index, reply.status)
                        }
                    }
                    var statuses: [Int: HTTPStatus] = [:]
                    for try await (index, status) in group { statuses[index] = status }
                    return statuses
                }
            }

            // Once logins are queued at the gate, /ping is answered before the queue has drained.
            let deadline = ContinuousClock.now + .seconds(20)
            while gate.waiting == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
            #expect(gate.waiting > 0, "logins queue behind the one permit")
            #expect(try await t.request(.GET, "/ping").status == .ok)
            #expect(gate.waiting > 0 || gate.inUse > 0, "/ping answered while logins were still waiting for bcrypt")

            let statuses = try await logins.value
            sampling.withLock { $0 = false }
            await sampler.value
            for index in sessions.indices { #expect(statuses[index] == .ok, "login \(index)") }
            for index in sessions.count..<(sessions.count + 3) { #expect(statuses[index] == .unauthorized, "unknown email \(index)") }
            #expect(peaks.current.inUse == 1, "bcrypt checks ran one at a time")
            #expect(peaks.current.waiting >= 2, "the rest waited their turn")
            #expect(gate.inUse == 0 && gate.waiting == 0)

            // Registration hashes through the same gate.
            let registering = Task { try await t.register() }
            let registerDeadline = ContinuousClock.now + .seconds(20)
            var sawRegistration = false
            while !sawRegistration && ContinuousClock.now < registerDeadline {
                if gate.inUse > 0 { sawRegistration = true } else { try await Task.sleep(for: .microseconds(200)) }
            }
            _ = try await registering.value
            #expect(sawRegistration, "register's bcrypt hash holds a permit")
        }
    }
}

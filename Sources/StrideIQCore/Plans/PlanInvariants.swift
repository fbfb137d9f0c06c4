import Foundation

/// The rules a generated plan must keep (phases, ramp, recovery weeks, taper, long-run share, no back-to-back hard
/// days, race on race day, availability, paces; see `PlanBuilder`), checked on a finished plan. Each violation is one
/// readable sentence.
///
/// Tolerances: the ramp allows +10 % (+100 m for rounding); a recovery week is ≤ 85 % of the week before; the long
/// run ≤ 30 % of the week (35 % at 3 days) + 100 m; the race-week training volume is cut 30–60 % from the peak (only the
/// upper bound when the race falls before Saturday, as fewer days remain); full taper weeks are ≤ 90 % of the peak.
/// The first week (when it starts after Monday) is exempt from the day count and the long-run share.
public enum PlanInvariants {
    public static func violations(of plan: GeneratedPlan, for request: PlanRequest) -> [String] {
        var v: [String] = []
        let all = plan.workouts
        let paces = plan.paces
        let d = request.daysPerWeek

        // Race.
        if plan.raceDate != request.raceDate || plan.endDate != request.raceDate {
            v.append("the plan's race date \(plan.raceDate) is not the requested \(request.raceDate)")
        }
        let races = all.filter { $0.type == .race }
        if races.count != 1 || races.first?.date != request.raceDate {
            v.append("expected one race workout on \(request.raceDate), found \(races.map(\.date.description))")
        }
        if let race = races.first {
            let p = PlanBuilder.racePace(distanceM: request.raceDistanceM, goalTimeS: plan.goalTimeS, vdot: plan.vdot)
            if !(race.pace?.contains(sPerKm: p) ?? false) { v.append("the race workout's pace does not contain the race pace \(p) s/km") }
            if abs((race.distanceM ?? 0) - request.raceDistanceM) > 1 { v.append("the race workout is not the race distance") }
        }
        if let last = all.map(\.date).max(), last > request.raceDate { v.append("a workout on \(last) comes after the race") }

        // Weeks and phases.
        let minimum = PlanBuilder.minimumWeeks(raceDistanceM: request.raceDistanceM)
        if plan.weeks.count < minimum { v.append("\(plan.weeks.count) weeks is shorter than the minimum \(minimum)") }
        if plan.weeks.count > PlanBuilder.maximumWeeks { v.append("\(plan.weeks.count) weeks is longer than \(PlanBuilder.maximumWeeks)") }
        let order: [TrainingPhase: Int] = [.base: 0, .build: 1, .peak: 2, .taper: 3]
        var lastOrder = -1
        for (i, w) in plan.weeks.enumerated() {
            if w.startDate.weekdayIndexFromMonday != 0 { v.append("week \(w.number) does not start on a Monday") }
            if i > 0, plan.weeks[i - 1].startDate.days(until: w.startDate) != 7 { v.append("week \(w.number) does not follow week \(i)") }
            let o = order[w.phase] ?? -1
            if o < lastOrder || o < 0 { v.append("week \(w.number) phase \(w.phase.rawValue) is out of order") }
            lastOrder = max(lastOrder, o)
            for x in w.workouts where !(0...6).contains(w.startDate.days(until: x.date)) {
                v.append("the workout on \(x.date) is outside week \(w.number)")
            }
        }
        if plan.weeks.count >= minimum {
            for phase in [TrainingPhase.base, .build, .peak, .taper] where !plan.weeks.contains(where: { $0.phase == phase }) {
                v.append("no \(phase.rawValue) phase")
            }
        }
        if let lastWeek = plan.weeks.last, !(0...6).contains(lastWeek.startDate.days(until: request.raceDate)) {
            v.append("the last week does not contain the race")
        }

        // Days.
        var seen: Set<LocalDate> = []
        for x in all {
            if !seen.insert(x.date).inserted { v.append("two workouts on \(x.date)") }
            if x.date < request.today { v.append("a workout on \(x.date) is before today") }
            if x.type != .race, request.unavailableWeekdays.contains(x.date.weekdayIndexFromMonday) {
                v.append("a workout on \(x.date), an unavailable weekday")
            }
        }
        let hardDays = Set(all.filter(\.isHard).map(\.date.daysSinceEpoch))
        for x in all where x.isHard && hardDays.contains(x.date.daysSinceEpoch + 1) {
            v.append("hard sessions on consecutive days \(x.date) and \(x.date.adding(days: 1))")
        }

        // Per week.
        let qualityPossible = hasQualityDays(request)
        let share = PlanBuilder.longRunShare(daysPerWeek: d)
        let distanceCap = PlanBuilder.profile(request.raceDistanceM).longRunCapM
        for (i, w) in plan.weeks.enumerated() {
            let isRaceWeek = i == plan.weeks.count - 1
            let partialFirst = i == 0 && request.today > w.startDate
            let running = w.workouts.filter { $0.type != .rest }.count
            if isRaceWeek || partialFirst {
                if running > d { v.append("week \(w.number) has \(running) running days, more than \(d)") }
            } else if running != d {
                v.append("week \(w.number) has \(running) running days, not \(d)")
            }
            let longs = w.workouts.filter { $0.type == .long }
            if !isRaceWeek {
                let longDay = w.startDate.daysSinceEpoch + request.longRunWeekday
                if longs.count > 1 { v.append("week \(w.number) has \(longs.count) long runs") }
                if longDay >= request.today.daysSinceEpoch, request.raceDate.daysSinceEpoch - longDay > 2, longs.count != 1 {
                    v.append("week \(w.number) has no long run")
                }
                for l in longs where l.date.weekdayIndexFromMonday != request.longRunWeekday {
                    v.append("week \(w.number)'s long run is on weekday \(l.date.weekdayIndexFromMonday), not \(request.longRunWeekday)")
                }
            } else if !longs.isEmpty {
                v.append("race week has a long run")
            }
            for l in longs {
                let m = l.distanceM ?? 0
                if !partialFirst, m > share * w.trainingVolumeM + 100 {
                    v.append("week \(w.number)'s long run \(Int(m)) m is over \(Int(share * 100)) % of \(Int(w.trainingVolumeM)) m")
                }
                if m > distanceCap + 1 { v.append("week \(w.number)'s long run \(Int(m)) m is over the \(Int(distanceCap)) m cap") }
            }
            // Quality by phase.
            let types = Set(w.workouts.map(\.type))
            let allowed: Set<WorkoutType>
            switch w.phase {
            case .base: allowed = [.easy, .long, .recovery, .strides, .hills]
            case .build: allowed = [.easy, .long, .recovery, .strides, .hills, .threshold, .intervals]
            default: allowed = [.easy, .long, .recovery, .strides, .threshold, .intervals, .tempo, .marathonPace, .race]
            }
            for t in types.subtracting(allowed) { v.append("week \(w.number) (\(w.phase.rawValue)) has a \(t.rawValue) session") }
            if !w.isRecovery && !partialFirst && PlanBuilder.qualityCount(daysPerWeek: d) > 0 {
                if w.phase == .build, !types.contains(.threshold), qualityPossible {
                    v.append("build week \(w.number) has no threshold session")
                }
                if w.phase == .peak, types.isDisjoint(with: [.tempo, .marathonPace, .intervals]), qualityPossible {
                    v.append("peak week \(w.number) has no race-pace or interval session")
                }
            }
            if w.isRecovery, w.workouts.contains(where: \.isHard) { v.append("recovery week \(w.number) has a hard session") }
        }

        // Volume.
        let floorM = PlanBuilder.minimumWeeklyM(daysPerWeek: d)
        var reference = max(request.currentWeeklyM, floorM)
        if let upper = request.peakWeeklyM { reference = min(reference, max(upper, floorM)) }
        var previous = reference
        var streak = 0
        let nonTaper = plan.weeks.filter { $0.phase != .taper }
        for (i, w) in nonTaper.enumerated() {
            let vol = w.trainingVolumeM
            let partialFirst = i == 0 && request.today > w.startDate
            if w.isRecovery {
                streak = 0
                if i > 0, vol > 0.85 * nonTaper[i - 1].trainingVolumeM + 100 {
                    v.append("recovery week \(w.number) (\(Int(vol)) m) is not clearly lower than the week before")
                }
            } else {
                streak += 1
                if streak > 3 { v.append("week \(w.number) makes more than 3 weeks in a row without a recovery week") }
                if vol > previous * 1.10 + 100 {
                    v.append("week \(w.number) rises to \(Int(vol)) m from \(Int(previous)) m, more than 10 %")
                }
                previous = partialFirst ? max(vol, reference) : vol
            }
        }
        let peak = nonTaper.map(\.trainingVolumeM).max() ?? 0
        if let upper = request.peakWeeklyM, peak > max(upper, floorM) * 1.01 + 100 {
            v.append("the peak \(Int(peak)) m is above the requested \(Int(upper)) m")
        }
        if let lower = request.minPeakWeeklyM, peak < lower * 0.99 - 100 {
            v.append("the peak \(Int(peak)) m is below the requested \(Int(lower)) m")
        }
        let taperWeeks = plan.weeks.filter { $0.phase == .taper }
        if peak > 0 {
            for (j, w) in taperWeeks.enumerated() {
                let vol = w.trainingVolumeM
                if j == taperWeeks.count - 1 {
                    let cut = 1 - vol / peak
                    if cut < 0.30 - 0.005 { v.append("race week cuts only \(Int(cut * 100)) % from the peak") }
                    if request.raceDate.weekdayIndexFromMonday >= 5 && cut > 0.60 + 0.005 {
                        v.append("race week cuts \(Int(cut * 100)) % from the peak, more than 60 %")
                    }
                } else if vol > 0.9 * peak + 100 {
                    v.append("taper week \(w.number) (\(Int(vol)) m) is not below the peak")
                }
            }
        }

        // Paces and content.
        if plan.paces != RunningFitness.trainingPaces(vdot: plan.vdot) { v.append("the plan's paces are not the VDOT's training paces") }
        if let athlete = request.vdot, abs(athlete - plan.vdot) > 0.01 || plan.vdotSource != "athlete" {
            v.append("the athlete's VDOT was not used")
        }
        if request.vdot == nil, let goal = request.goalTimeS {
            let expected = min(max(RunningFitness.vdot(distanceM: request.raceDistanceM, timeS: Double(goal)), 20), 85)
            if abs(expected - plan.vdot) > 0.01 || plan.vdotSource != "goal_time" { v.append("the goal time's VDOT was not used") }
        }
        if request.vdot == nil, request.goalTimeS == nil, plan.vdotSource != "default" || plan.notes.isEmpty {
            v.append("a default VDOT needs the \"default\" source and a note")
        }
        for x in all {
            if x.why.utf8.first(where: { $0 > 0x20 }) == nil { v.append("the workout on \(x.date) has no why") }
            if x.title.isEmpty { v.append("the workout on \(x.date) has no title") }
            guard x.type != .rest else { continue }
            if x.distanceM == nil && x.durationS == nil { v.append("the workout on \(x.date) has neither distance nor duration") }
            guard let p = x.pace else {
                v.append("the workout on \(x.date) has no pace")
                continue
            }
            if let range = PlanBuilder.allowedRange(for: x.type, paces: paces), !range.contains(p) {
                v.append(
                    "the \(x.type.rawValue) on \(x.date) has pace \(p.fastSPerKm)–\(p.slowSPerKm), outside \(range.fastSPerKm)–\(range.slowSPerKm)"
                )
            }
        }
        return v
    }

    private static func hasQualityDays(_ r: PlanRequest) -> Bool {
        !PlanBuilder.pattern(daysPerWeek: r.daysPerWeek, longRunWeekday: r.longRunWeekday, unavailable: r.unavailableWeekdays).qualityDays
            .isEmpty
    }
}

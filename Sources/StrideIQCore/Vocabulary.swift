/// Closed vocabularies of the API. Unknown values are rejected with 422, never stored.

public enum Role: String, Codable, Sendable, CaseIterable {
    case athlete, admin, owner
    public var isAdmin: Bool { self == .admin || self == .owner }
}

public enum Units: String, Codable, Sendable, CaseIterable {
    case metric, imperial
}

public enum Sport: String, Codable, Sendable, CaseIterable {
    case run, walking, hiking, cycling, swimming, strength, flexibility, other
}

public enum PlanStatus: String, Codable, Sendable, CaseIterable {
    case draft, active, completed, cancelled
}

public enum WorkoutType: String, Codable, Sendable, CaseIterable {
    case easy, long, recovery, tempo, threshold, intervals, hills, fartlek, strides
    case marathonPace = "marathon_pace"
    case race, rest
    case crossTraining = "cross_training"
}

public enum TrainingPhase: String, Codable, Sendable, CaseIterable {
    case base, build, peak, taper, recovery, race
}

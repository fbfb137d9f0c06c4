import FluentKit

/// A model whose column properties are listed by hand, so that loading a row decodes them straight from the
/// list. Fluent's default `output(from:)` finds them by reflecting over the model for every row, which was the
/// largest single cost of an authenticated request (the athlete) and of a coach turn's context (its
/// activities). `PersistenceTests.listedFieldsCoverTheirModels` checks each list against Fluent's reflection, so
/// a column added to a model without its list fails a test instead of loading as unset.
protocol ListedFields: Fields {
    /// Every `@ID`, `@Field`, `@OptionalField`, `@Parent` and `@Timestamp` of the model, each once.
    var storedProperties: [any AnyDatabaseProperty] { get }
}

extension ListedFields {
    func output(from output: any DatabaseOutput) throws {
        for property in storedProperties { try property.output(from: output) }
    }
}

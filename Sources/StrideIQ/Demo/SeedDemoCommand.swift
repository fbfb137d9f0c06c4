import Vapor

struct SeedDemoCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Create a demo athlete with 8 weeks of runs, a check-in and an active plan" }
    func run(using context: CommandContext, signature: Signature) async throws {}
}

import ArgumentParser

/// `--format` of the commands that print a document.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case json
    case text
}

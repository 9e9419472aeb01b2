/// A command-line usage error. It exits with status 2 and a message that
/// names what to change.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Options and positional arguments of one subcommand, parsed strictly:
/// unknown options and missing values are usage errors.
struct ParsedArguments {
    var options: [String: String] = [:]
    /// Every value of each valued option, in order, for repeatable options.
    var allValues: [String: [String]] = [:]
    var flags: Set<String> = []
    var positional: [String] = []

    /// Parses `arguments` given the options that take a value and the flags.
    init(_ arguments: [String], valued: [String], flags allowedFlags: [String], command: String) throws {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                positional += arguments[(index + 1)...]
                break
            }
            if argument == "-h" && allowedFlags.contains("--help") {
                flags.insert("--help")
            } else if argument.hasPrefix("--") {
                var name = argument
                var inlineValue: String?
                if let equals = argument.firstIndex(of: "=") {
                    name = String(argument[..<equals])
                    inlineValue = String(argument[argument.index(after: equals)...])
                }
                if allowedFlags.contains(name) && inlineValue == nil {
                    flags.insert(name)
                } else if valued.contains(name) {
                    // Only --property selects several values; a repeated
                    // single-valued option is more likely a slip than an override.
                    if options[name] != nil && name != "--property" {
                        throw UsageError("option \(name) is given more than once; "
                            + "see `spectral-check \(command) --help`")
                    }
                    if let inlineValue {
                        options[name] = inlineValue
                    } else {
                        guard index + 1 < arguments.count else {
                            throw UsageError("option \(name) needs a value; see `spectral-check \(command) --help`")
                        }
                        index += 1
                        options[name] = arguments[index]
                    }
                    allValues[name, default: []].append(options[name]!)
                } else {
                    throw UsageError("unknown option \(name) for `\(command)`; see `spectral-check \(command) --help`")
                }
            } else {
                positional.append(argument)
            }
            index += 1
        }
    }

    func required(_ name: String, command: String) throws -> String {
        guard let value = options[name] else {
            throw UsageError("missing required option \(name); see `spectral-check \(command) --help`")
        }
        return value
    }

    func double(_ name: String, command: String, default fallback: Double? = nil,
                valid: (Double) -> Bool, rule: String) throws -> Double {
        guard let text = options[name] else {
            if let fallback { return fallback }
            throw UsageError("missing required option \(name); see `spectral-check \(command) --help`")
        }
        guard let value = Double(text), value.isFinite, valid(value) else {
            throw UsageError("invalid value \"\(text)\" for \(name); expected \(rule)")
        }
        return value
    }

    func int(_ name: String, command: String, default fallback: Int? = nil,
             range: ClosedRange<Int>) throws -> Int {
        guard let text = options[name] else {
            if let fallback { return fallback }
            throw UsageError("missing required option \(name); see `spectral-check \(command) --help`")
        }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError("invalid value \"\(text)\" for \(name); expected an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func choice(_ name: String, command: String, default fallback: String? = nil, allowed: [String]) throws -> String {
        guard let text = options[name] ?? fallback else {
            throw UsageError("missing required option \(name); see `spectral-check \(command) --help`")
        }
        guard allowed.contains(text) else {
            throw UsageError("invalid value \"\(text)\" for \(name); allowed values are \(allowed.joined(separator: ", "))")
        }
        return text
    }
}

import Foundation
import Model
import Theory

/// The JSON document printed on standard output. `peers.py` prints the same
/// shape.
struct BenchmarkReport: Codable {
    var side: String
    var threads: Int
    var cases: [String: CaseReport]
}

let caseNames = BenchmarkCase.allCases.map(\.rawValue).joined(separator: ", ")
let usage = """
    USAGE: spectral-bench [--threads <count>] [--repeats <count>] [--case <name>]...

    Times the benchmark cases and prints their median times and checksums as JSON.

    OPTIONS:
      --threads <count>  Number of OpenBLAS threads. The default is 2.
      --repeats <count>  Number of timed runs per case, after one warm-up. The default is 3.
      --case <name>      Case to run: \(caseNames).
                         Repeat the option to run several. The default is all cases.
      --help             Print this help.
    """

/// Prints `message` and the usage to standard error and exits with the usage
/// status 64 (EX_USAGE).
func exitWithUsageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n\n\(usage)\n".utf8))
    exit(64)
}

/// Returns the value after option `name` as a positive integer.
func positiveInteger(after name: String, _ value: String?) -> Int {
    guard let value else { exitWithUsageError("Option \(name) is missing its value.") }
    guard let count = Int(value), count >= 1 else {
        exitWithUsageError("Option \(name) needs a positive integer, got '\(value)'.")
    }
    return count
}

var threads = 2
var repeats = 3
var selectedCases: [BenchmarkCase] = []
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--threads":
        threads = positiveInteger(after: argument, arguments.next())
    case "--repeats":
        repeats = positiveInteger(after: argument, arguments.next())
    case "--case":
        guard let name = arguments.next() else {
            exitWithUsageError("Option --case is missing its value.")
        }
        guard let benchmarkCase = BenchmarkCase(rawValue: name) else {
            exitWithUsageError("Invalid case '\(name)'. Use one of: \(caseNames).")
        }
        selectedCases.append(benchmarkCase)
    case "--help", "-h":
        print(usage)
        exit(0)
    default:
        exitWithUsageError("Unknown argument '\(argument)'. Run with --help for the options.")
    }
}
if selectedCases.isEmpty { selectedCases = BenchmarkCase.allCases }

BLAS.setThreads(threads)
// The same setting as spectral-check; PyTorch's caching allocator plays
// this role on the peer side.
AllocatorTuning.reuseLargeAllocations()
var report = BenchmarkReport(side: "spectral-bench", threads: threads, cases: [:])
for benchmarkCase in selectedCases {
    FileHandle.standardError.write(Data("spectral-bench: running \(benchmarkCase.rawValue)\n".utf8))
    report.cases[benchmarkCase.rawValue] = benchmarkCase.run(repeats: repeats)
}

let encoder = JSONEncoder()
encoder.keyEncodingStrategy = .convertToSnakeCase
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
FileHandle.standardOutput.write(try encoder.encode(report))
print()

import Foundation

extension DigitsDataset {
    /// The environment variable that names the data folder.
    public static let dataFolderVariable = "SPECTRAL_CHECK_DATA"
    /// The dataset's path relative to the repository root.
    public static let relativePath = "data/digits/digits.csv"

    /// Returns the path of the digits CSV file.
    ///
    /// The first rule that applies decides:
    /// 1. A non-nil `path` is returned unchanged, and reading it reports a
    ///    missing file.
    /// 2. When `SPECTRAL_CHECK_DATA` is set and not empty, it names a folder
    ///    that contains `digits/digits.csv` (the repository's `data`
    ///    folder) or `digits.csv` itself. The search stops there, so a wrong
    ///    setting is reported and never hidden by another copy.
    /// 3. Otherwise each of `startDirectories` and then each of its parent
    ///    folders is checked for `data/digits/digits.csv`.
    ///
    /// - Parameters:
    ///   - environment: The environment to read `SPECTRAL_CHECK_DATA` from.
    ///   - startDirectories: The folders to walk up from. The default is the
    ///     current directory and the running executable's folder.
    /// - Throws: `DigitsDatasetError.notFound` listing every path checked.
    public static func locate(
        path: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        startDirectories: [String] = defaultStartDirectories()
    ) throws -> String {
        if let path {
            return path
        }

        var candidates: [String] = []
        if let folder = environment[dataFolderVariable], !folder.isEmpty {
            candidates = [
                (folder as NSString).appendingPathComponent("digits/digits.csv"),
                (folder as NSString).appendingPathComponent("digits.csv"),
            ]
        } else {
            for start in startDirectories {
                for folder in selfAndAncestors(of: start) {
                    let candidate = (folder as NSString).appendingPathComponent(relativePath)
                    if !candidates.contains(candidate) {
                        candidates.append(candidate)
                    }
                }
            }
        }

        if let found = candidates.first(where: isRegularFile) {
            return found
        }
        throw DigitsDatasetError.notFound(candidates: candidates)
    }

    /// Returns the current directory and the running executable's folder.
    public static func defaultStartDirectories() -> [String] {
        var directories = [FileManager.default.currentDirectoryPath]
        if let executable = Bundle.main.executableURL {
            directories.append(executable.resolvingSymlinksInPath()
                .deletingLastPathComponent().path)
        }
        return directories
    }

    /// Returns `path` made absolute and standardized, then each parent up to
    /// the root.
    private static func selfAndAncestors(of path: String) -> [String] {
        var current = URL(fileURLWithPath: path).standardizedFileURL.path
        var folders = [current]
        while true {
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current || parent.isEmpty {
                return folders
            }
            folders.append(parent)
            current = parent
        }
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            && !isDirectory.boolValue
    }
}

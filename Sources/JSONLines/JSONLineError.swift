import Foundation

/// Why one line of JSON could not be read as a record, and where: the byte offset in the line (0-based) and the
/// path of keys and array indices down to the value (`history[3].loss`; empty at the top level).
///
/// The message does not name the file or the line number: the caller knows them and adds them
/// (`ResultsError.corruptLine`).
public struct JSONLineError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// Byte offset in the line where the problem was found.
    public var offset: Int
    /// Keys and indices from the top-level object down to the offending value, e.g. `history[3].loss`.
    public var path: String
    /// What is wrong, e.g. `expected a number, found "abc"`.
    public var problem: String

    public init(offset: Int, path: String = "", problem: String) {
        self.offset = offset
        self.path = path
        self.problem = problem
    }

    public var description: String {
        path.isEmpty ? "at byte \(offset): \(problem)" : "\(path) at byte \(offset): \(problem)"
    }

    public var errorDescription: String? { description }

    /// The same error seen from the object member `key` that contains the value.
    public func inside(key: String) -> JSONLineError {
        var copy = self
        copy.path = path.isEmpty || path.hasPrefix("[") ? key + path : key + "." + path
        return copy
    }

    /// The same error seen from the array element `index` that contains the value.
    public func inside(index: Int) -> JSONLineError {
        var copy = self
        copy.path = path.isEmpty || path.hasPrefix("[") ? "[\(index)]" + path : "[\(index)]." + path
        return copy
    }
}

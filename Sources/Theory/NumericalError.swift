import CGSL

/// An error reported by a C numerical library, carrying the routine that
/// reported it.
public enum NumericalError: Error, CustomStringConvertible, Equatable {
    /// A GSL routine returned a nonzero status; `reason` is `gsl_strerror`.
    case gsl(routine: String, status: Int32, reason: String)
    /// A LAPACK routine did not converge; `info` is its positive `info`.
    case noConvergence(routine: String, info: Int32)
    /// A result contained NaN or infinity where a finite value is required.
    case nonFinite(routine: String, detail: String)

    public var description: String {
        switch self {
        case let .gsl(routine, status, reason):
            return "\(routine) failed with GSL status \(status): \(reason)"
        case let .noConvergence(routine, info):
            return "\(routine) did not converge (info = \(info))"
        case let .nonFinite(routine, detail):
            return "\(routine) produced a non-finite value: \(detail)"
        }
    }
}

/// Switches GSL's abort-on-error handler off, once per process.
///
/// GSL keeps a single static handler whose default calls `abort()`. Every
/// entry point of this package that calls GSL goes through `gslCheck`, which
/// calls this first, so a GSL failure becomes a thrown error instead.
public enum GSLRuntime {
    private static let installed: Bool = {
        gsl_set_error_handler_off()
        return true
    }()

    /// Turns the handler off; cheap after the first call.
    public static func prepare() {
        _ = installed
    }
}

/// Throws `NumericalError.gsl` when `status` is nonzero.
@inline(__always)
func gslCheck(_ status: Int32, _ routine: String) throws {
    if status != 0 {
        let reason = String(cString: gsl_strerror(status))
        throw NumericalError.gsl(routine: routine, status: status, reason: reason)
    }
}

/// Interprets a LAPACK `info`: negative is a bad argument (a programming
/// error), positive is a convergence failure that is thrown.
@inline(__always)
func lapackCheck(_ info: Int32, _ routine: String) throws {
    precondition(info >= 0, "\(routine) rejected argument \(-info); this is a bug in the caller.")
    if info > 0 { throw NumericalError.noConvergence(routine: routine, info: info) }
}

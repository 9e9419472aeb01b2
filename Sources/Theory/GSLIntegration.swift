import CGSL

/// Adaptive Gauss–Kronrod integration of a Swift closure by GSL's
/// `gsl_integration_qag` with the 61-point rule.
public final class GSLIntegrator {
    private let workspace: UnsafeMutablePointer<gsl_integration_workspace>
    private let limit: Int

    /// Allocates a workspace for at most `limit` subintervals.
    public init(limit: Int = 2000) throws {
        GSLRuntime.prepare()
        guard let w = gsl_integration_workspace_alloc(limit) else {
            throw NumericalError.gsl(routine: "gsl_integration_workspace_alloc", status: Int32(GSL_ENOMEM),
                                     reason: "out of memory")
        }
        workspace = w
        self.limit = limit
    }

    deinit { gsl_integration_workspace_free(workspace) }

    /// Integrates `f` over [a, b] to `max(absoluteTolerance, relativeTolerance |I|)`.
    /// - Returns: the estimate and GSL's error estimate.
    /// - Throws: `NumericalError.gsl` when GSL reports failure (for example
    ///   roundoff or the subinterval limit), or `.nonFinite` when `f`
    ///   returned NaN or infinity.
    public func integrate(from a: Double, to b: Double,
                          absoluteTolerance: Double, relativeTolerance: Double,
                          _ f: (Double) -> Double) throws -> (value: Double, error: Double) {
        var result = 0.0
        var error = 0.0
        var sawNonFinite = false
        let status: Int32 = withoutActuallyEscaping(f) { escapable in
            var context = IntegrandContext(body: escapable, sawNonFinite: false)
            let status = withUnsafeMutablePointer(to: &context) { contextPointer -> Int32 in
                var function = gsl_function(function: { x, params in
                    let ctx = params!.assumingMemoryBound(to: IntegrandContext.self)
                    let y = ctx.pointee.body(x)
                    if !y.isFinite { ctx.pointee.sawNonFinite = true; return 0 }
                    return y
                }, params: UnsafeMutableRawPointer(contextPointer))
                return gsl_integration_qag(&function, a, b, absoluteTolerance, relativeTolerance,
                                           limit, Int32(GSL_INTEG_GAUSS61), workspace, &result, &error)
            }
            sawNonFinite = context.sawNonFinite
            return status
        }
        if sawNonFinite {
            throw NumericalError.nonFinite(routine: "gsl_integration_qag", detail: "integrand returned NaN or infinity")
        }
        try gslCheck(status, "gsl_integration_qag")
        return (result, error)
    }
}

private struct IntegrandContext {
    var body: (Double) -> Double
    var sawNonFinite: Bool
}

@testable import Checker
import Foundation
import Testing
import Theory

@Suite("Projections outside the training set")
struct RestrictedProjectionTests {
    let op: PopulationOperator
    let modes: [Eigenspace]
    /// A smooth function on the circle with weight in several eigenspaces.
    let values: [Double]

    init() throws {
        let quadrature = Quadrature.circle(count: 64)
        let kernel = FullyConnectedKernel(activation: .relu, depth: 1, weightStd: 2.0.squareRoot(), biasStd: 0.3)
        op = try PopulationOperator(kernel: kernel, quadrature: quadrature)
        modes = Eigenspace.clusters(op.eigenvalues, count: 4)
        values = (0..<quadrature.count).map { j in
            let angle = atan2(quadrature.nodes[j, 1], quadrature.nodes[j, 0])
            return 0.4 + cos(angle) - 0.7 * sin(2 * angle) + 0.2 * cos(3 * angle)
        }
    }

    @Test("all nodes give the full projection")
    func allNodesMatchFullProjection() {
        let projection = RestrictedProjection(op: op, nodes: Array(0..<op.quadrature.count), modes: modes)
        let coefficients = op.coefficients(values)
        #expect(modes.count == 4)
        for mode in modes {
            let full = mode.norm(coefficients)
            // Equal weights summing to 1 make both sums the same terms in the same order.
            #expect(abs(projection.norm(of: mode, values) - full) <= 1e-12 * max(full, 1), "λ = \(mode.eigenvalue)")
        }
    }

    @Test("subset uses only its nodes")
    func subsetReadsOnlyItsNodes() {
        let subset = Array(stride(from: 1, to: op.quadrature.count, by: 3))
        let projection = RestrictedProjection(op: op, nodes: subset, modes: modes)
        // Values on the nodes outside the subset must not matter.
        var poisoned = values
        for j in 0..<poisoned.count where !subset.contains(j) { poisoned[j] = .nan }
        for mode in modes {
            var squares = 0.0
            for index in mode.indices {
                let phi = op.eigenfunction(index)
                let coefficient = subset.reduce(0.0) { $0 + values[$1] * phi[$1] } / Double(subset.count)
                squares += coefficient * coefficient
            }
            let expected = squares.squareRoot()
            let measured = projection.norm(of: mode, poisoned)
            #expect(measured.isFinite, "λ = \(mode.eigenvalue)")
            #expect(abs(measured - expected) <= 1e-12 * max(expected, 1), "λ = \(mode.eigenvalue)")
        }
    }
}

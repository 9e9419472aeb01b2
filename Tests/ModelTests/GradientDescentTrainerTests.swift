import Foundation
import Model
import Testing
import Theory

@Suite("GradientDescentTrainer")
struct GradientDescentTrainerTests {
    static let exactTolerance = 1e-12

    let architecture = NetworkArchitecture(inputDimension: 3, width: 32, depth: 2,
                                           activation: .erf, weightStd: 1.5, biasStd: 0.2)
    let inputs = gaussianInputs(rows: 6, dimension: 3, seed: 201)
    let evaluationInputs = gaussianInputs(rows: 9, dimension: 3, seed: 202)

    func target(_ x: Matrix) -> [Double] {
        (0..<x.rows).map { sin(x[$0, 0]) - 0.5 * x[$0, 1] * x[$0, 2] }
    }

    @Test("requested times snap to the nearest step")
    func timeSnapping() {
        #expect(GradientDescentTrainer.step(nearestTo: 0.26, learningRate: 0.1) == 3)
        #expect(GradientDescentTrainer.step(nearestTo: 0.24, learningRate: 0.1) == 2)
        #expect(GradientDescentTrainer.step(nearestTo: 0.25, learningRate: 0.5) == 1)
        #expect(GradientDescentTrainer.step(nearestTo: 0, learningRate: 0.1) == 0)
    }

    @Test("snapshots match manual steps")
    func snapshotsMatchManualSteps() throws {
        let network = FullyConnectedNetwork(architecture: architecture, seed: 211)
        let manual = network.copy()
        let initial = network.copy()
        let trainer = GradientDescentTrainer(learningRate: 0.1, recordsTrainingGram: true)
        var progress: [(Int, Int)] = []
        let trajectory = try trainer.train(
            network, inputs: inputs, targets: target(inputs), times: [0.26, 0, 0.1],
            evaluationInputs: evaluationInputs, evaluationTargets: target(evaluationInputs),
            progress: { progress.append(($0, $1)) })

        #expect(trajectory.stepCount == 3)
        #expect(trajectory.snapshots.map(\.step) == [0, 1, 3])
        #expect(trajectory.snapshots.map(\.requestedTime) == [0, 0.1, 0.26])
        #expect(abs(trajectory.snapshots[2].time - 0.3) <= 1e-15)
        #expect(progress.map(\.0) == [1, 2, 3])
        #expect(progress.allSatisfy { $0.1 == 3 })

        let start = trajectory.snapshots[0]
        #expect(start.parameterDistance == 0)
        #expect(start.trainingResidual
                == zip(initial.outputs(inputs), target(inputs)).map { $0 - $1 })
        #expect(start.evaluationResidual!
                == zip(initial.outputs(evaluationInputs), target(evaluationInputs)).map {
                    $0 - $1
                })
        #expect(start.trainingGram! == initial.ntkGram(inputs))

        // The trainer's update is θ ← θ − η ∇Φ, so three manual steps give
        // the same parameters bit for bit.
        for _ in 0..<3 { manual.step(learningRate: 0.1, inputs: inputs, targets: target(inputs)) }
        #expect(manual.parameters == network.parameters)
        let end = trajectory.snapshots[2]
        #expect(end.trainingResidual
                == zip(manual.outputs(inputs), target(inputs)).map { $0 - $1 })
        #expect(end.parameterDistance == manual.parameterDistance(to: initial))
        #expect(end.parameterDistance > 0)
        #expect(end.trainingGram! == manual.ntkGram(inputs))
        #expect(trajectory.stepTrace == nil)
    }

    @Test("large learning rate reports divergence")
    func divergence() {
        let network = FullyConnectedNetwork(architecture: architecture, seed: 221)
        let trainer = GradientDescentTrainer(learningRate: 1e3)
        do {
            _ = try trainer.train(network, inputs: inputs, targets: target(inputs),
                                  times: [1e3 * 500])
            Issue.record("Training with learning rate 1e3 did not diverge.")
        } catch let error as TrainingError {
            guard case let .diverged(step, learningRate, _) = error else { return }
            #expect(step > 0)
            #expect(step <= 500)
            #expect(learningRate == 1e3)
            #expect(error.description.contains("step \(step)"))
        } catch {
            Issue.record("Unexpected error \(error).")
        }
    }

    @Test("step trace satisfies the Taylor identity")
    func stepTraceIdentity() throws {
        let learningRate = 0.05
        let steps = 20
        let network = FullyConnectedNetwork(architecture: architecture, seed: 231)
        let initial = network.copy()
        let trainer = GradientDescentTrainer(learningRate: learningRate, recordsEveryStep: true)
        let trajectory = try trainer.train(
            network, inputs: inputs, targets: target(inputs),
            times: [Double(steps) * learningRate, 0.5],
            evaluationInputs: evaluationInputs, evaluationTargets: target(evaluationInputs))
        let trace = try #require(trajectory.stepTrace)
        #expect(trace.trainingResiduals.count == steps + 1)
        #expect(trace.evaluationResiduals.count == steps + 1)
        #expect(trace.operatorTerms.count == steps)
        #expect(trace.secondDifferences.count == steps)
        #expect(trace.evaluationResiduals[10] == trajectory.snapshots[0].evaluationResidual!)
        #expect(trace.trainingResiduals[steps] == trajectory.snapshots[1].trainingResidual)

        // At θ_0 the operator term is (1/n) K_0(Z, X) r̂_0.
        let kernel = initial.ntkCross(evaluationInputs, inputs)
        let expected = BLAS.multiply(kernel, trace.trainingResiduals[0]).map {
            $0 / Double(inputs.rows)
        }
        #expect(maximumRelativeError(trace.operatorTerms[0], expected) <= Self.exactTolerance)

        // The change of f(Z) over a step is −η (operator term) + S_k up to
        // third-order terms. At η = 0.05 these measure about 1.5% of S_k, so
        // 5% is the bound. S_k itself is second order and nonzero.
        for k in 0..<steps {
            let (secondSize, remainderSize) = taylorSizes(trace, step: k,
                                                          learningRate: learningRate)
            let firstSize = trace.operatorTerms[k].map { learningRate * abs($0) }.max()!
            #expect(secondSize > 0, "step \(k)")
            #expect(secondSize < 0.1 * firstSize, "step \(k)")
            #expect(remainderSize < 0.05 * secondSize, "step \(k)")
        }
    }

    @Test("Taylor terms scale with the learning rate")
    func taylorOrders() throws {
        // From the same θ_0, halving η divides the second difference by 4
        // and the third-order remainder by 8, up to higher-order terms.
        var sizes: [(second: Double, remainder: Double)] = []
        for learningRate in [0.05, 0.025] {
            let network = FullyConnectedNetwork(architecture: architecture, seed: 231)
            let trainer = GradientDescentTrainer(learningRate: learningRate,
                                                 recordsEveryStep: true)
            let trajectory = try trainer.train(
                network, inputs: inputs, targets: target(inputs), times: [learningRate],
                evaluationInputs: evaluationInputs, evaluationTargets: target(evaluationInputs))
            let trace = try #require(trajectory.stepTrace)
            sizes.append(taylorSizes(trace, step: 0, learningRate: learningRate))
        }
        let secondRatio = sizes[0].second / sizes[1].second
        let remainderRatio = sizes[0].remainder / sizes[1].remainder
        #expect(abs(secondRatio - 4) < 0.2, "second-difference ratio \(secondRatio)")
        #expect(abs(remainderRatio - 8) < 1.5, "remainder ratio \(remainderRatio)")
    }

    /// Returns the largest |S_k| and the largest |f(Z; θ_{k+1}) − f(Z; θ_k)
    /// + η (operator term) − S_k| at step `k`.
    func taylorSizes(_ trace: StepTrace, step k: Int,
                     learningRate: Double) -> (second: Double, remainder: Double) {
        var remainder = 0.0
        for i in trace.secondDifferences[k].indices {
            let change = trace.evaluationResiduals[k + 1][i] - trace.evaluationResiduals[k][i]
            let firstOrder = -learningRate * trace.operatorTerms[k][i]
            remainder = max(remainder, abs(change - firstOrder - trace.secondDifferences[k][i]))
        }
        return (trace.secondDifferences[k].map(abs).max()!, remainder)
    }

    @Test("training residual decreases")
    func residualDecreases() throws {
        let network = FullyConnectedNetwork(architecture: architecture, seed: 241)
        let trainer = GradientDescentTrainer(learningRate: 0.1)
        let trajectory = try trainer.train(network, inputs: inputs, targets: target(inputs),
                                           times: [0, 1, 5, 20])
        let norms = trajectory.snapshots.map { BLAS.dot($0.trainingResidual,
                                                          $0.trainingResidual).squareRoot() }
        for k in 1..<norms.count { #expect(norms[k] < norms[k - 1], "snapshot \(k)") }
        #expect(trajectory.snapshots.allSatisfy { $0.evaluationResidual == nil })
        #expect(trajectory.snapshots.allSatisfy { $0.trainingGram == nil })
    }
}

import Checker
import Foundation
import Model

// Training loops allocate tens of megabytes per step; let the heap reuse them.
AllocatorTuning.reuseLargeAllocations()
exit(SpectralCheckCommand.main(Array(CommandLine.arguments.dropFirst())))

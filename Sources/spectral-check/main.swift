import Checker
import Foundation

exit(SpectralCheckCommand.main(Array(CommandLine.arguments.dropFirst())))

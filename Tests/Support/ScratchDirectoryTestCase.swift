// TestSupport is a plain target, so `swift build --static-swift-stdlib` (`make build`) compiles it too, and the
// static SDK has no XCTest: this class exists only where XCTest does, as in every test build.
#if canImport(XCTest)
import Foundation
import XCTest

/// A test case whose every test gets a fresh temporary directory, `scratch`, named after the test and removed
/// after it: the set-up of the tests that run whole searches into results directories.
open class ScratchDirectoryTestCase: XCTestCase {
    public var scratch: URL!

    override open func setUp() {
        super.setUp()
        scratch = URL(fileURLWithPath: makeTemporaryDirectory(name))
    }

    override open func tearDown() {
        try? FileManager.default.removeItem(at: scratch)
        super.tearDown()
    }
}
#endif

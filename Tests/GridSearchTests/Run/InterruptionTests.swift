import Foundation
import XCTest
@testable import GridSearch

/// `Interruption` watches SIGINT and SIGTERM from the moment its initialiser returns: a signal sent right after it
/// (as a script does when it sees a search's first line) must reach the handler, not meet SIG_IGN and vanish.
/// One `Interruption` per process, as in `aegrid search`: Dispatch keeps per-signal state across sources.
final class InterruptionTests: XCTestCase {
    func testASignalSentRightAfterInitIsHandled() {
        let handled = DispatchSemaphore(value: 0)
        let interruption = Interruption { received in
            XCTAssertEqual(received, SIGTERM)
            handled.signal()
        }
        kill(getpid(), SIGTERM)
        let result = handled.wait(timeout: .now() + 10)
        XCTAssertEqual(result, .success, "SIGTERM sent right after init was lost")
        XCTAssertEqual(interruption.signal, result == .success ? SIGTERM : nil)
        XCTAssertEqual(interruption.exitStatus, result == .success ? 143 : nil)
        interruption.stop()
    }
}

import XCTest
@testable import Kernels

final class KernelISATests: XCTestCase {
    func testOverrideSelection() {
        XCTAssertEqual(KernelISA.select(override: nil).isa, KernelISA.best)
        XCTAssertNil(KernelISA.select(override: "").warning)
        let portable = KernelISA.select(override: "portable")
        XCTAssertEqual(portable.isa, .portable)
        XCTAssertNil(portable.warning)
        let unknown = KernelISA.select(override: "sse9")
        XCTAssertEqual(unknown.isa, KernelISA.best)
        XCTAssertTrue(unknown.warning?.contains("SCRAWL_KERNEL_ISA=sse9 is not a kernel ISA") ?? false, unknown.warning ?? "")
        for isa in KernelISA.allCases {
            let choice = KernelISA.select(override: isa.rawValue.uppercased())
            XCTAssertEqual(choice.isa, isa.isSupported ? isa : KernelISA.best)
            XCTAssertEqual(choice.warning == nil, isa.isSupported, "\(isa)")
        }
    }

    func testAvailableIsOrderedAndEndsWithPortable() {
        XCTAssertEqual(KernelISA.available.first, KernelISA.best)
        XCTAssertEqual(KernelISA.available.last, .portable)
        XCTAssertTrue(KernelISA.available.contains(KernelISA.active))
        XCTAssertTrue(KernelISA.report.hasPrefix(KernelISA.active.rawValue))
    }
}

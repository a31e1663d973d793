import XCTest
@testable import Inference

/// Inputs found by the libFuzzer target FuzzSafetensors (Tests/Fuzz, scripts/fuzz.sh) that once crashed
/// the header parser. In debug builds they trapped on arithmetic overflow; release builds (-Ounchecked)
/// wrapped instead, and could accept a tensor whose bytes lie outside the mapped file.
final class FuzzRegressionTests: XCTestCase {
    private func file(header: String, dataBytes: Int = 16) -> [UInt8] {
        let json = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + [UInt8](repeating: 0, count: dataBytes)
    }

    private func assertOutOfBounds(_ header: String, _ expectedReason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafetensorsFile.parseHeader(bytes: self.file(header: header), path: "m.safetensors"),
                             file: file, line: line) { error in
            guard case let .tensorOutOfBounds(path, tensor, reason)? = error as? CheckpointError else {
                return XCTFail("expected tensorOutOfBounds, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(path, "m.safetensors", file: file, line: line)
            XCTAssertEqual(tensor, "w", file: file, line: line)
            XCTAssertTrue(reason.contains(expectedReason), reason, file: file, line: line)
        }
    }

    /// The shape's element count times the dtype size overflows Int.
    func testShapeProductOverflowIsRefused() {
        assertOutOfBounds(#"{"w":{"dtype":"F32","shape":[9223372036854775807,2],"data_offsets":[0,0]}}"#,
                          "more bytes than an Int can count")
        // 2^62 × 4 × 4 bytes wraps to exactly 0 = the span: once accepted in release builds.
        assertOutOfBounds(#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#,
                          "more bytes than an Int can count")
    }

    /// data_offsets near Int.max: header start + end overflowed (release: wrapped negative and passed).
    func testOffsetsPastTheFileAreRefusedWithoutOverflow() {
        assertOutOfBounds(#"{"w":{"dtype":"U8","shape":[9223372036854775807],"data_offsets":[0,9223372036854775807]}}"#,
                          "ends 9223372036854775807 bytes into the data but the file has only 16 bytes of data")
    }

    /// The fuzzer's own input (structured mode): an F16 tensor with a zero dimension next to a huge one.
    func testZeroDimensionTimesHugeDimension() throws {
        // 0 × huge is 0 bytes and fits; huge × huge does not.
        let ok = try SafetensorsFile.parseHeader(bytes: file(header:
            #"{"w":{"dtype":"F16","shape":[0,9223372036854775807],"data_offsets":[0,0]}}"#))
        XCTAssertEqual(ok["w"]?.byteCount, 0)
        assertOutOfBounds(#"{"w":{"dtype":"F16","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}"#,
                          "more bytes than an Int can count")
    }

    /// A well-formed file still parses, with offsets counted from the end of the header.
    func testValidHeaderStillParses() throws {
        let header = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[4,16]}}"#
        let tensors = try SafetensorsFile.parseHeader(bytes: file(header: header))
        XCTAssertEqual(tensors.count, 1)
        XCTAssertEqual(tensors["w"]?.offset, 8 + header.utf8.count + 4)
        XCTAssertEqual(tensors["w"]?.byteCount, 12)
        XCTAssertThrowsError(try SafetensorsFile.parseHeader(bytes: [1, 0, 0]))
    }
}

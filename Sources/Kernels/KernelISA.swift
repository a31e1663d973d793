import CKernels
import Foundation

/// Which family of hand-written kernels runs: chosen once at start from one CPU probe, overridable by
/// the environment variable `SCRAWL_KERNEL_ISA` (tests, benchmarks).
///
/// - `avx512bf16`: AVX-512 F/BW/VL + AVX512_BF16 + AVX512_VNNI — bf16 products (vdpbf16ps) for bf16 and
///   f16 weights, int8 block dot products (vpdpbusd) for Q8_0 decode.
/// - `avx2`: AVX2 + FMA + F16C — f32 products, weights widened to f32 (in registers or while packing).
/// - `portable`: plain C / Swift loops and OpenBLAS; correct on any CPU.
///
/// An override the CPU cannot run (or an unknown name) is not honoured: the best ISA the CPU has is used
/// instead and `selectionWarning` says why (written to stderr once, at the first use of `active`).
public enum KernelISA: String, Sendable, CaseIterable, CustomStringConvertible {
    case avx512bf16
    case avx2
    case portable

    /// The environment variable that overrides the probe.
    public static let environmentKey = "SCRAWL_KERNEL_ISA"

    /// The best ISA this CPU runs.
    public static let best: KernelISA = KernelISA(code: ck_cpu_best_isa())

    /// Every ISA this CPU runs, best first (`portable` always).
    public static var available: [KernelISA] { allCases.filter { $0.code <= best.code } }

    /// Whether this CPU runs the kernels of `self`.
    public var isSupported: Bool { code <= KernelISA.best.code }

    /// The ISA every kernel uses unless a caller passes one explicitly.
    public static let active: KernelISA = {
        let choice = select(override: ProcessInfo.processInfo.environment[environmentKey])
        if let warning = choice.warning { FileHandle.standardError.write(Data(("scrawl: " + warning + "\n").utf8)) }
        return choice.isa
    }()

    /// Why the override was not honoured (nil when it was, or when there was none).
    public static let selectionWarning: String? = select(override: ProcessInfo.processInfo.environment[environmentKey]).warning

    /// The ISA for an override value (nil or empty: the probe's choice), and a warning when it cannot be used.
    public static func select(override: String?) -> (isa: KernelISA, warning: String?) {
        guard let raw = override?.trimmingCharacters(in: .whitespaces).lowercased(), !raw.isEmpty else { return (best, nil) }
        guard let wanted = KernelISA(rawValue: raw) else {
            let names = allCases.map(\.rawValue).joined(separator: ", ")
            return (best, "\(environmentKey)=\(raw) is not a kernel ISA (one of: \(names)); using \(best)")
        }
        guard wanted.isSupported else {
            return (best, "\(environmentKey)=\(raw): this CPU does not run it (it runs: "
                + available.map(\.rawValue).joined(separator: ", ") + "); using \(best)")
        }
        return (wanted, nil)
    }

    /// One line for logs and `scrawl bench`: the ISA in use, how it was chosen, what the CPU offers.
    public static var report: String {
        let how = ProcessInfo.processInfo.environment[environmentKey].map { _ in
            selectionWarning == nil ? "set by \(environmentKey)" : "probed (\(environmentKey) not honoured)"
        } ?? "probed"
        return "\(active) (\(how); CPU runs: \(available.map(\.rawValue).joined(separator: ", ")))"
    }

    public var description: String { rawValue }

    /// The value the C kernels take (CK_ISA_*).
    public var code: Int32 {
        switch self {
        case .portable: return CK_ISA_PORTABLE
        case .avx2: return CK_ISA_AVX2
        case .avx512bf16: return CK_ISA_AVX512BF16
        }
    }

    init(code: Int32) {
        switch code {
        case CK_ISA_AVX512BF16: self = .avx512bf16
        case CK_ISA_AVX2: self = .avx2
        default: self = .portable
        }
    }

    /// Whether bf16 products (activations rounded to bf16) are this ISA's native arithmetic.
    public var hasBF16DotProduct: Bool { self == .avx512bf16 }
}

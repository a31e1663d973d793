// swift-tools-version:6.1
// scrawl — a Linux system service that reads handwriting with a vision-language model on the CPU.
// Layers (each imports only layers above it in this list): C system libraries → Kernels →
// Imaging, Jinja → Tokenizers → Inference → RemoteEngine, Catalog → Daemon → scrawl (the executable). See README.md.
import PackageDescription

let optimise: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

let package = Package(
    name: "scrawl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "scrawl", targets: ["scrawl"]),
        // Libraries for the fuzz package (Tests/Fuzz), which depends on this one by path.
        .library(name: "ScrawlImaging", targets: ["Imaging"]),
        .library(name: "ScrawlTokenizers", targets: ["Tokenizers"]),
        .library(name: "ScrawlInference", targets: ["Inference"]),
        .library(name: "ScrawlDaemon", targets: ["Daemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // MARK: C system libraries (Debian packages; see README "Native libraries")
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev", "libjpeg-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CGIF", providers: [.apt(["libgif-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Documents: TIFF pages, HEIC/HEIF/AVIF photos, WebP. PDF is rendered by poppler-utils in a child process (not linked).
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebpdemux", providers: [.apt(["libwebp-dev"])]),

        // MARK: Swift layers
        // Hot bf16 loops (AVX-512 BF16 with a runtime CPU check); env.md §7: Swift reaches half the bandwidth.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // openat2(2) (RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) for the daemon's opens below an inbox.
        .target(name: "CSafeOpen"),
        .target(name: "Kernels", dependencies: ["COpenBLAS", "CKernels"], swiftSettings: optimise),
        .target(name: "Imaging", dependencies: ["CTurboJPEG", "CPNG", "CGIF", "CTIFF", "CWebP"], swiftSettings: optimise),
        // A Jinja engine for chat templates (the language transformers renders them with).
        .target(name: "Jinja", swiftSettings: optimise),
        .target(name: "Tokenizers", dependencies: ["Jinja"], swiftSettings: optimise),
        .target(name: "Inference", dependencies: ["Kernels", "Imaging", "Tokenizers"], swiftSettings: optimise),
        // An OCREngine that reads through an OpenAI-compatible server (vLLM, llama-server, Ollama, transformers serve).
        .target(name: "RemoteEngine", dependencies: ["Inference", "Imaging"]),
        .target(name: "Catalog", dependencies: ["CSQLite"]),
        .target(name: "Daemon", dependencies: [
            "Inference", "RemoteEngine", "Catalog", "Imaging", "CSafeOpen",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .executableTarget(name: "scrawl", dependencies: [
            "Daemon", "Inference", "RemoteEngine", "Catalog", "Imaging",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: optimise),

        // MARK: Tests
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "JinjaTests", dependencies: ["Jinja", "Tokenizers"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "Jinja"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference"]),
        .testTarget(name: "RemoteEngineTests", dependencies: ["RemoteEngine", "Inference", "Imaging"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon"]),
        .testTarget(name: "EndToEndTests", dependencies: []),
    ]
)

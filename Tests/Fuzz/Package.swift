// swift-tools-version:6.1
// libFuzzer targets for scrawl's input parsers. A separate package so the sanitizer flags never touch
// the main build. Build and run with scripts/fuzz.sh (swift build -Xswiftc -sanitize=fuzzer,address
// -Xswiftc -parse-as-library); each executable exports LLVMFuzzerTestOneInput and has no main of its own.
import PackageDescription

let package = Package(
    name: "scrawl-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "scrawl", path: "../..")],
    targets: [
        .target(name: "FuzzSupport"),
        .target(name: "FuzzPageSupport", dependencies: ["FuzzSupport", .product(name: "ScrawlImaging", package: "scrawl")]),
        .executableTarget(name: "FuzzImageDecode", dependencies: ["FuzzSupport", .product(name: "ScrawlImaging", package: "scrawl")]),
        .executableTarget(name: "FuzzTIFF", dependencies: ["FuzzSupport", "FuzzPageSupport", .product(name: "ScrawlImaging", package: "scrawl")]),
        .executableTarget(name: "FuzzHEIF", dependencies: ["FuzzSupport", "FuzzPageSupport", .product(name: "ScrawlImaging", package: "scrawl")]),
        .executableTarget(name: "FuzzWebP", dependencies: ["FuzzSupport", "FuzzPageSupport", .product(name: "ScrawlImaging", package: "scrawl")]),
        .executableTarget(name: "FuzzPDF", dependencies: ["FuzzSupport", "FuzzPageSupport", .product(name: "ScrawlImaging", package: "scrawl")]),
        .executableTarget(name: "FuzzTokenizer", dependencies: ["FuzzSupport", .product(name: "ScrawlTokenizers", package: "scrawl")]),
        .executableTarget(name: "FuzzTokenizerJSON", dependencies: ["FuzzSupport", .product(name: "ScrawlTokenizers", package: "scrawl")]),
        .executableTarget(name: "FuzzSafetensors", dependencies: ["FuzzSupport", .product(name: "ScrawlInference", package: "scrawl")]),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzSupport", .product(name: "ScrawlDaemon", package: "scrawl")]),
    ]
)

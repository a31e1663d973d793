/// The tile grid for an image, exactly as `get_optimal_tiled_canvas` in
/// transformers/models/got_ocr2/image_processing_got_ocr2.py (4.57.6).
public struct AyaVisionTileGrid: Sendable, Equatable {
    public let columns: Int
    public let rows: Int

    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }

    /// Tiles fed to the vision tower: the grid, plus one thumbnail of the whole image when the grid
    /// has more than one tile.
    public var tileCount: Int {
        let n = columns * rows
        return n > 1 ? n + 1 : n
    }

    /// Candidate grids (columns, rows) with min ≤ columns·rows ≤ max, in the reference order: built
    /// column-major (columns outer, rows inner) and then stably sorted by tile count.
    static func candidates(minTiles: Int, maxTiles: Int) -> [AyaVisionTileGrid] {
        guard maxTiles >= 1 else { return [] }
        var list: [(grid: AyaVisionTileGrid, order: Int)] = []
        for columns in 1...maxTiles {
            for rows in 1...maxTiles where columns * rows <= maxTiles && columns * rows >= minTiles {
                list.append((AyaVisionTileGrid(columns: columns, rows: rows), list.count))
            }
        }
        list.sort { a, b in
            let pa = a.grid.columns * a.grid.rows, pb = b.grid.columns * b.grid.rows
            return pa != pb ? pa < pb : a.order < b.order
        }
        return list.map(\.grid)
    }

    /// The grid whose aspect ratio is closest to the image's. On an exact tie the grid with more
    /// tiles wins while the image area exceeds half the area those tiles cover.
    public static func optimal(width: Int, height: Int, tileWidth: Int, tileHeight: Int,
                               minTiles: Int, maxTiles: Int) -> AyaVisionTileGrid {
        let aspect = Double(width) / Double(height)
        let area = Double(width * height)
        var bestDiff = Double.infinity
        var best = AyaVisionTileGrid(columns: 1, rows: 1)
        for grid in candidates(minTiles: minTiles, maxTiles: maxTiles) {
            let diff = abs(aspect - Double(grid.columns) / Double(grid.rows))
            if diff < bestDiff {
                bestDiff = diff
                best = grid
            } else if diff == bestDiff {
                // Python evaluates 0.5 * th * tw * cols * rows left to right in float.
                let covered = 0.5 * Double(tileHeight) * Double(tileWidth) * Double(grid.columns) * Double(grid.rows)
                if area > covered { best = grid }
            }
        }
        return best
    }
}

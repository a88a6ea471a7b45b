import Foundation

/// The one set-up of Foundation's JSON coders for the files AEGrid writes through them (manifest, best.json, the
/// PCA baseline, model metadata, the Codable twin of the results-log codec): keys sorted, slashes unescaped, and
/// non-finite numbers as the strings "Infinity", "-Infinity" and "NaN" (a diverged trial's loss is one).
enum JSONCoding {
    static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }
}

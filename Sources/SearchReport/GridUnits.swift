import GridSearch

/// The unit of a grid key's value, for axis labels.
enum GridUnits {
    static func unit(of key: String) -> String {
        switch key {
        case "latent_dim": return "units"
        case "encoder_units": return "units per layer"
        case "learning_rate": return "step size"
        case "batch_size": return "rows"
        case "patience": return "epochs"
        case "l1", "l2", "l1_reg", "l2_reg": return "penalty weight"
        case "dropout": return "fraction"
        case "noise_std": return "scaled units"
        default: return key.hasPrefix("encoder_layer") ? "units" : ""
        }
    }
}

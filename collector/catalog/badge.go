package catalog

// Badge is an emoji and a label, as the seed's lineup table shows them.
type Badge struct {
	Emoji string
	Label string
}

func (b Badge) String() string { return b.Emoji + " " + b.Label }

// UnknownBadge marks what neither the catalog nor the model name tells.
var unknownBadge = Badge{"❔", "Unknown"}

// ArchBadge returns the badge of an architecture ("dense", "moe", or "" for
// unknown).
func ArchBadge(arch string) Badge {
	switch arch {
	case Dense:
		return Badge{"🧱", "Dense"}
	case MoE:
		return Badge{"🔀", "MoE"}
	}
	return unknownBadge
}

// SizeBadge returns the badge of a size class ("" for unknown).
func SizeBadge(class string) Badge {
	switch class {
	case Compact:
		return Badge{"🐣", "Compact"}
	case Small:
		return Badge{"🦆", "Small"}
	case Medium:
		return Badge{"🦅", "Medium"}
	case Large:
		return Badge{"🦖", "Large"}
	case Enormous:
		return Badge{"🐋", "Enormous"}
	}
	return unknownBadge
}

// Legend lines, worded as the seed's README words them.
var (
	ArchLegend = []struct{ Badge, Text string }{
		{ArchBadge(Dense).String(), "Standard transformer architecture with all parameters active"},
		{ArchBadge(MoE).String(), "Mixture of Experts architecture with sparse activation"},
	}
	SizeLegend = []struct{ Badge, Text string }{
		{SizeBadge(Compact).String(), "<4B parameters"},
		{SizeBadge(Small).String(), "4B-10B parameters"},
		{SizeBadge(Medium).String(), "10B-100B parameters"},
		{SizeBadge(Large).String(), "100B-500B parameters"},
		{SizeBadge(Enormous).String(), "500B+ parameters"},
	}
)

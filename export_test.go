package analytics

// Internals that the external tests (package analytics_test) pin.
var (
	HistogramBounds      = histogramBounds
	Bucket               = bucketOf
	HashID               = hashID
	NewDistinctSketch    = newDistinctSketch
	UnionAll             = unionAll
	DecodeDistinctSketch = decodeDistinctSketch
)

const (
	HistogramBuckets = histogramBuckets
	MaxSketchK       = maxSketchK
)

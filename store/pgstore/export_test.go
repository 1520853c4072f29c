package pgstore

// MaxFloatScan is maxFloatScan, for the external tests.
const MaxFloatScan = maxFloatScan

// ScoreCentiSQL is scoreCentiSQL, for the external tests.
var ScoreCentiSQL = scoreCentiSQL

package pgstore

// MaxFloatScan is maxFloatScan, for the external tests.
const MaxFloatScan = maxFloatScan

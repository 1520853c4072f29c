package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// snapshotsCacheControl is the Cache-Control of a snapshot page: a
// browser's own cache may keep it (private: it is one team's data) and
// reuse it without asking for 60 seconds. A page changes only when a job
// stores or regenerates a period, so a client sees that at most a minute
// late, and revalidates with If-None-Match after.
const snapshotsCacheControl = "private, max-age=60"

// heatmapCacheControl is the Cache-Control of a heatmap: private (one
// team's data), and revalidated on every use, since it covers today so
// far; an unchanged heatmap then costs a 304 without its body.
const heatmapCacheControl = "private, no-cache"

// etagOf returns the strong entity tag of a response body: the first 128
// bits of its SHA-256, quoted. The same bytes always get the same tag, and
// a changed page (a new snapshot, a regenerated one with a new CreatedAt)
// gets another.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// noneMatch reports whether an If-None-Match header value (a comma-separated
// list of entity tags, or "*") names etag, comparing weakly as RFC 9110
// §13.1.2 asks: a W/ prefix is ignored. An empty header matches nothing.
func noneMatch(header, etag string) bool {
	header = strings.TrimSpace(header)
	if header == "" {
		return false
	}
	if header == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for t := range strings.SplitSeq(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == want {
			return true
		}
	}
	return false
}

package gocache

import (
	"strconv"
	"strings"

	"github.com/msgstats/analytics"
)

// Key encoding; the scheme is in the package documentation.

// keySafe reports whether b is written raw in an escaped segment.
func keySafe(b byte, query bool) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' ||
		query && (b == ':' || b == '.')
}

const upperHex = "0123456789ABCDEF"

func writeEscaped(b *strings.Builder, s string, query bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keySafe(c, query) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
}

// escapedLen is the length writeEscaped produces for s.
func escapedLen(s string, query bool) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !keySafe(s[i], query) {
			n += 2
		}
	}
	return n
}

// valueKey returns the Redis key of k under generation gen, or with
// l1=true the memory-tier key under gen and epoch.
func valueKey(prefix string, k analytics.CacheKey, gen int64, l1 bool, epoch uint64) string {
	var b strings.Builder
	b.Grow(len(prefix) + escapedLen(k.Kind, false) + escapedLen(k.TeamID, false) +
		escapedLen(k.AccountID, false) + escapedLen(k.Query, true) + 2*20 + 12)
	var num [20]byte
	b.WriteString(prefix)
	b.WriteByte(':')
	writeEscaped(&b, k.Kind, false)
	b.WriteString(":{")
	writeEscaped(&b, k.TeamID, false)
	b.WriteString("}:g")
	b.Write(strconv.AppendInt(num[:0], gen, 10))
	b.WriteByte(':')
	switch k.AccountID {
	case "":
		b.WriteString("all")
	case "all":
		b.WriteString("%61ll")
	default:
		writeEscaped(&b, k.AccountID, false)
	}
	if k.Query != "" {
		b.WriteByte(':')
		writeEscaped(&b, k.Query, true)
	}
	if l1 {
		b.WriteByte('|')
		b.Write(strconv.AppendUint(num[:0], epoch, 10))
	}
	return b.String()
}

// genKey returns the Redis key of the generation counter of teamID.
func genKey(prefix, teamID string) string {
	var b strings.Builder
	b.Grow(len(prefix) + escapedLen(teamID, false) + 7)
	b.WriteString(prefix)
	b.WriteString(":gen:{")
	writeEscaped(&b, teamID, false)
	b.WriteByte('}')
	return b.String()
}

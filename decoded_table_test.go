package analytics

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

func TestDecodedTableHitAndMiss(t *testing.T) {
	t.Parallel()
	tb := newDecodedTable()
	k := RealTimeKey(TeamScope("team-1"))
	raw := []byte(`{"messages":{"total":3}}`)
	tb.put(k, raw, Metrics{Messages: MessageMetrics{Total: 3}})

	if v, ok := decodedGet[Metrics](tb, k, []byte(`{"messages":{"total":3}}`)); !ok || v.Messages.Total != 3 {
		t.Errorf("equal bytes: got %+v, %v; want the kept value", v.Messages, ok)
	}
	for name, get := range map[string]func() bool{
		"bytes of the same length, one differing": func() bool {
			_, ok := decodedGet[Metrics](tb, k, []byte(`{"messages":{"total":4}}`))
			return ok
		},
		"a prefix of the bytes": func() bool {
			_, ok := decodedGet[Metrics](tb, k, raw[:len(raw)-1])
			return ok
		},
		"no bytes": func() bool {
			_, ok := decodedGet[Metrics](tb, k, nil)
			return ok
		},
		"another key with the same bytes": func() bool {
			_, ok := decodedGet[Metrics](tb, RealTimeKey(AccountScope("team-1", "a")), raw)
			return ok
		},
		"another type": func() bool {
			_, ok := decodedGet[Dashboard](tb, k, raw)
			return ok
		},
	} {
		if get() {
			t.Errorf("%s: served the kept value", name)
		}
	}
	// A new value under the key replaces the old one and its charge.
	raw2 := []byte(`{"messages":{"total":40}}`)
	tb.put(k, raw2, Metrics{Messages: MessageMetrics{Total: 40}})
	if _, ok := decodedGet[Metrics](tb, k, raw); ok {
		t.Error("the replaced bytes still hit")
	}
	if v, ok := decodedGet[Metrics](tb, k, raw2); !ok || v.Messages.Total != 40 {
		t.Errorf("new bytes: got %+v, %v", v.Messages, ok)
	}
	if got, want := tb.used.Load(), tb.sumCharges(); got != want {
		t.Errorf("used = %d, the entries' charges sum to %d", got, want)
	}
}

// sumCharges adds up the charges of the entries in the table; only
// meaningful when no put is running.
func (t *decodedTable) sumCharges() int64 {
	var n int64
	for i := range t.slots {
		n += t.slots[i].Load().charge()
	}
	return n
}

func TestDecodedTableSkipsLargeValues(t *testing.T) {
	t.Parallel()
	tb := newDecodedTable()
	k := DashboardKey("team-1", 366)
	big := make([]byte, decodedMaxBytes+1)
	tb.put(k, big, Dashboard{})
	if _, ok := decodedGet[Dashboard](tb, k, big); ok || tb.used.Load() != 0 {
		t.Errorf("a value of %d bytes was kept (used %d)", len(big), tb.used.Load())
	}
	tb.put(k, big[:decodedMaxBytes], Dashboard{})
	if _, ok := decodedGet[Dashboard](tb, k, big[:decodedMaxBytes]); !ok {
		t.Errorf("a value of exactly %d bytes was not kept", decodedMaxBytes)
	}
}

// TestDecodedTableBound fills the table from many goroutines with values
// of up to decodedMaxBytes under many keys: the charges never exceed
// decodedBudget, and they are accounted exactly.
func TestDecodedTableBound(t *testing.T) {
	t.Parallel()
	tb := newDecodedTable()
	buf := make([]byte, decodedMaxBytes) // shared: the table only compares it
	var over atomic.Int64
	done := make(chan struct{})
	var watch sync.WaitGroup
	watch.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if u := tb.used.Load(); u > decodedBudget {
				over.Store(u)
			}
		}
	})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				n := (g*7919 + i*104729) % (decodedMaxBytes + 1)
				k := CacheKey{Kind: KindDashboard, TeamID: fmt.Sprint("team-", (g*2000+i)%5000), Query: "30d"}
				tb.put(k, buf[:n], Dashboard{Days: n})
			}
		})
	}
	wg.Wait()
	close(done)
	watch.Wait()
	if u := over.Load(); u != 0 {
		t.Errorf("charges reached %d bytes, over the budget of %d", u, decodedBudget)
	}
	used, sum := tb.used.Load(), tb.sumCharges()
	if used != sum || used > decodedBudget {
		t.Errorf("used = %d, the entries' charges sum to %d; budget %d", used, sum, decodedBudget)
	}
	if used < decodedBudget/2 {
		t.Errorf("only %d of %d bytes used: the table does not fill", used, decodedBudget)
	}

	// A full table still takes new values: every failed insertion empties
	// decodedMaxEvictions slots, so one succeeds within a sweep of them.
	k := RealTimeKey(TeamScope("newcomer"))
	raw := buf[:decodedMaxBytes]
	kept := false
	for range decodedSlots/decodedMaxEvictions + 1 {
		tb.put(k, raw, Dashboard{})
		if _, kept = decodedGet[Dashboard](tb, k, raw); kept {
			break
		}
	}
	if !kept {
		t.Error("a full table never took a new value")
	}
	if used, sum := tb.used.Load(), tb.sumCharges(); used != sum || used > decodedBudget {
		t.Errorf("after eviction: used = %d, sum of charges %d; budget %d", used, sum, decodedBudget)
	}
}

// TestDecodedChargeCoversValue checks what charge assumes: a decoded
// value, as the table keeps it (cloned and boxed), takes at most twice the
// bytes of its JSON, less the entry's own size, plus decodedEntryOverhead.
// The values are the small ones, where JSON is shortest next to the memory
// taken: zero counts, times in a zone with a half-hour offset (decoded each
// with a zone of its own), dashboards whose every day was live.
func TestDecodedChargeCoversValue(t *testing.T) {
	t.Parallel()
	zone := time.FixedZone("", 5*3600+1800)
	start := time.Date(2026, 3, 15, 0, 0, 0, 0, zone)
	m := Metrics{Range: Range{Start: start, End: start.Add(24 * time.Hour)}, GeneratedAt: start.Add(25 * time.Hour)}
	snaps := func(n int) []Snapshot {
		var s []Snapshot
		for i := range n {
			s = append(s, Snapshot{ID: "1", Scope: TeamScope("t"), Type: Daily, Date: NewDate(2026, 3, 1).AddDays(i), Metrics: m, CreatedAt: m.GeneratedAt})
		}
		return s
	}
	dash := func(days int) Dashboard {
		d := Dashboard{TeamID: "t", Days: days, AsOf: m.GeneratedAt, Current: m, Previous: m}
		for i := range days {
			d.Series = append(d.Series, DayMetrics{Date: NewDate(2025, 1, 1).AddDays(i), Metrics: m})
		}
		for i := range 2*days - 2 {
			d.LiveDays = append(d.LiveDays, NewDate(2025, 1, 1).AddDays(i))
		}
		return d
	}
	check := func(name string, v any, decode func([]byte) (any, error)) {
		t.Helper()
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		kept, err := decode(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		val := reflect.ValueOf(&kept).Elem() // the interface, as the entry holds it
		size := deepSize(val, map[uintptr]bool{}) + int(unsafe.Sizeof(decodedEntry{}))
		if limit := 2*len(raw) + decodedEntryOverhead; size > limit {
			t.Errorf("%s: the kept value takes %d bytes; its charge covers %d (JSON %d bytes)", name, size, limit, len(raw))
		}
	}
	decodeAs := func(v any, clone func(any) any) func([]byte) (any, error) {
		return func(b []byte) (any, error) {
			p := reflect.New(reflect.TypeOf(v))
			if err := json.Unmarshal(b, p.Interface()); err != nil {
				return nil, err
			}
			return clone(p.Elem().Interface()), nil
		}
	}
	check("Metrics", m, decodeAs(m, func(v any) any { return cloneMetrics(v.(Metrics)) }))
	check("zero Metrics", Metrics{}, decodeAs(m, func(v any) any { return cloneMetrics(v.(Metrics)) }))
	for _, n := range []int{0, 1, 31, 366} {
		check(fmt.Sprint(n, " snapshots"), snaps(n), decodeAs(snaps(n), func(v any) any { return cloneSnapshots(v.([]Snapshot)) }))
	}
	for _, days := range []int{1, 2, 7, 30, 90, 366} {
		check(fmt.Sprint(days, "-day dashboard"), dash(days), decodeAs(dash(days), func(v any) any { return v.(Dashboard).clone() }))
	}
}

// deepSize returns the bytes v refers to beyond itself: what its pointers,
// slices (by capacity), strings and interfaces hold, each block counted
// once.
func deepSize(v reflect.Value, seen map[uintptr]bool) int {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return 0
		}
		seen[v.Pointer()] = true
		return int(v.Type().Elem().Size()) + deepSize(v.Elem(), seen)
	case reflect.Interface:
		if v.IsNil() {
			return 0
		}
		e := v.Elem()
		return int(e.Type().Size()) + deepSize(e, seen)
	case reflect.Slice:
		if v.IsNil() || seen[v.Pointer()] {
			return 0
		}
		seen[v.Pointer()] = true
		n := v.Cap() * int(v.Type().Elem().Size())
		for i := range v.Len() {
			n += deepSize(v.Index(i), seen)
		}
		return n
	case reflect.String:
		return v.Len()
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			n += deepSize(v.Field(i), seen)
		}
		return n
	case reflect.Array:
		n := 0
		for i := range v.Len() {
			n += deepSize(v.Index(i), seen)
		}
		return n
	case reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		panic("deepSize: unexpected " + v.Kind().String())
	}
	return 0
}

// TestDecodedClonesAreDeep guards the clone functions of the cached reads:
// they copy the slices of Dashboard and []Snapshot and drop every
// Metrics.ActiveSketch (never in the cached JSON), which is deep only while
// no other field of these types (or of what the slices hold) refers to
// memory a caller could modify. A new slice, map or pointer
// field fails this test until the clone function copies it and the test
// lists it.
func TestDecodedClonesAreDeep(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		typ  reflect.Type
		want []string // the reference fields its clone copies
	}{
		{reflect.TypeFor[Metrics](), []string{"Metrics.ActiveSketch"}},
		{reflect.TypeFor[Snapshot](), []string{"Snapshot.Metrics.ActiveSketch"}},
		{reflect.TypeFor[Dashboard](), []string{"Dashboard.Current.ActiveSketch", "Dashboard.Previous.ActiveSketch",
			"Dashboard.Series", "Dashboard.Series[].Metrics.ActiveSketch", "Dashboard.LiveDays"}},
	} {
		var got []string
		refs(tt.typ, tt.typ.Name(), &got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s refers to memory through %q; its clone copies %q", tt.typ, got, tt.want)
		}
	}
}

// refs appends the paths under t of fields that refer to mutable memory:
// slices (whose elements must then have none), maps, pointers, interfaces,
// channels, functions. time.Time is a value (its zone is never modified),
// and strings and *Traffic (no method changes one) are immutable.
func refs(t reflect.Type, path string, out *[]string) {
	if t == reflect.TypeFor[time.Time]() || t == reflect.TypeFor[*Traffic]() {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			refs(f.Type, path+"."+f.Name, out)
		}
	case reflect.Array:
		refs(t.Elem(), path+"[]", out)
	case reflect.Slice:
		*out = append(*out, path)
		refs(t.Elem(), path+"[]", out)
	case reflect.Map, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		*out = append(*out, path)
	}
}

package analytics

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestTrafficMergeAndJSON(t *testing.T) {
	t.Parallel()
	var h1, h2 Heatmap
	h1.Add(time.Monday, 9, TrafficCell{Inbound: 2, Outbound: 1})
	h1.Add(time.Monday, 10, TrafficCell{Conversations: 1})
	h2.Add(time.Monday, 9, TrafficCell{Inbound: 1, Conversations: 3})
	h2.Add(time.Sunday, 23, TrafficCell{Outbound: 4})
	a, err := NewTraffic(&h1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewTraffic(&h2)
	m := Merge(Metrics{Range: Range{Start: time.Unix(0, 0), End: time.Unix(1, 0)}, Traffic: a},
		Metrics{Range: Range{Start: time.Unix(1, 0), End: time.Unix(2, 0)}, Traffic: b})
	if got, want := m.Traffic.Cell(time.Monday, 9), (TrafficCell{Inbound: 3, Outbound: 1, Conversations: 3}); got != want {
		t.Errorf("Monday 09: %+v, want %+v", got, want)
	}
	if got, want := m.Traffic.Total(), (TrafficCell{Inbound: 3, Outbound: 5, Conversations: 4}); got != want {
		t.Errorf("total %+v, want %+v", got, want)
	}
	if m.Traffic.Len() != 3 || a.Cell(time.Monday, 9).Inbound != 2 {
		t.Errorf("merged %d cells (want 3), input changed: %+v", m.Traffic.Len(), a.Cell(time.Monday, 9))
	}
	js, _ := json.Marshal(m.Traffic)
	want := `[{"weekday":0,"hour":23,"inbound":0,"outbound":4,"conversations":0},{"weekday":1,"hour":9,"inbound":3,"outbound":1,"conversations":3},{"weekday":1,"hour":10,"inbound":0,"outbound":0,"conversations":1}]`
	if string(js) != want {
		t.Errorf("JSON %s\nwant %s", js, want)
	}
	var back Traffic
	if err := json.Unmarshal(js, &back); err != nil || !back.Equal(m.Traffic) {
		t.Errorf("round trip: %v, equal %v", err, back.Equal(m.Traffic))
	}
	if hm := back.Heatmap(); hm[time.Sunday][23].Outbound != 4 || hm.Total() != m.Traffic.Total() {
		t.Errorf("Heatmap() %+v", hm[time.Sunday][23])
	}
	for _, bad := range []string{
		`[{"weekday":7,"hour":0,"inbound":1}]`,
		`[{"weekday":0,"hour":24,"inbound":1}]`,
		`[{"weekday":0,"hour":1,"inbound":-1}]`,
		`[{"weekday":0,"hour":1,"inbound":1},{"weekday":0,"hour":1,"inbound":1}]`,
		`{}`,
	} {
		var x Traffic
		if err := json.Unmarshal([]byte(bad), &x); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Unmarshal(%s) = %v, want ErrCorrupt", bad, err)
		}
	}
}

func TestTrafficValidate(t *testing.T) {
	t.Parallel()
	var h Heatmap
	h.Add(time.Tuesday, 3, TrafficCell{Inbound: 2, Outbound: 1, Conversations: 1})
	tr, _ := NewTraffic(&h)
	m := Metrics{Traffic: tr}
	m.Messages = MessageMetrics{Total: 3, Inbound: 2, Outbound: 1}
	m.Conversations.Total = 1
	if err := m.Validate(); err != nil {
		t.Fatalf("consistent traffic: %v", err)
	}
	m.Messages = MessageMetrics{Total: 3, Inbound: 1, Outbound: 2}
	if err := m.Validate(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("traffic inbound 2 > messages inbound 1: %v", err)
	}
	if _, err := TrafficFromSlots([]uint8{5, 5}, []TrafficCell{{Inbound: 1}, {Inbound: 1}}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("repeated slot: %v", err)
	}
	if tr, err := NewTraffic(&Heatmap{}); tr != nil || err != nil {
		t.Errorf("zero heatmap: %v, %v; want nil, nil", tr, err)
	}
}

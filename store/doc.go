// Package store is what an implementation of the analytics Store roles
// needs, as database/sql/driver is to database/sql: hosts call package
// analytics; a store implementer uses this package too.
//
// It holds:
//
//   - the raw activity records a store reads (Activity, Message,
//     Conversation, Contact, Campaign) and the statuses the metrics
//     recognise (StatusRead, ConversationOpen, CampaignRunning, …);
//   - ComputeMetrics, the reference aggregation: the exact definition of
//     every metric of the analytics package documentation, over activity in
//     memory. A Store's Aggregate must return exactly what it returns for
//     the same activity. ActivityIndex keeps activity indexed for repeated
//     aggregation;
//   - ComputeCampaignFunnels, the reference campaign funnels that a Store's
//     CampaignFunnels must match (ActivityIndex.CampaignFunnels on an
//     index);
//   - Walk and FirstResponse, the one implementation of the reply, customer
//     turn, response time and first response rules, over a Thread: a view
//     of one conversation's messages in CompareMessages order that a store
//     provides over its own rows without copying them;
//   - ScoreCenti, the rounding of an engagement score to hundredths of a
//     point that contacts' sums use.
//
// Three packages build on it: store/storetest is the conformance suite
// that every Store runs (storetest.Run) and that checks its results against
// ComputeMetrics; store/memstore is the in-memory Store, built on
// ActivityIndex; store/pgstore is the Store on Postgres, which reads each
// conversation's messages of a period and walks them with Walk.
package store

package analytics_test

import (
	"fmt"
	"time"

	"github.com/msgstats/analytics"
)

func ExampleDeliveryRate() {
	fmt.Println(analytics.DeliveryRate(85, 90))
	fmt.Println(analytics.DeliveryRate(95, 90)) // clamped
	fmt.Println(analytics.DeliveryRate(5, 0))   // nothing sent
	// Output:
	// 94.44
	// 100
	// 0
}

func ExampleAverageResponseTime() {
	fmt.Println(analytics.AverageResponseTime(10*time.Minute, 4))
	fmt.Println(analytics.AverageResponseTime(10*time.Minute, 0))
	// Output:
	// 2m30s
	// 0s
}

func ExampleGrowthRate() {
	fmt.Println(analytics.GrowthRate(150, 100))
	fmt.Println(analytics.GrowthRate(100, 150))
	fmt.Println(analytics.GrowthRate(-50, -100)) // less negative: growth
	fmt.Println(analytics.GrowthRate(10, 0))     // no base
	// Output:
	// 50
	// -33.33
	// 50
	// 100
}

func ExampleCampaignScore() {
	r := analytics.CampaignRates{
		DeliveryRate: analytics.DeliveryRate(85, 90),
		ReadRate:     analytics.ReadRate(60, 85),
		ReplyRate:    analytics.ReplyRate(12, 90),
		FailureRate:  analytics.FailureRate(5, 90),
	}
	fmt.Printf("%+v\n", r)
	fmt.Println(analytics.CampaignScore(r))
	// Output:
	// {DeliveryRate:94.44 ReadRate:70.59 ReplyRate:13.33 FailureRate:5.56}
	// 52.95
}

func ExampleContactEngagementScore() {
	fmt.Println(analytics.ContactEngagementScore(analytics.ContactActivity{
		TotalMessages:        10, // 20 points
		RepliedMessages:      5,  // 15 points
		CampaignsReceived:    4,
		CampaignsEngaged:     2,  // 5 points
		DaysSinceLastMessage: 12, // 15 points
	}))
	fmt.Println(analytics.ContactEngagementScore(analytics.ContactActivity{
		DaysSinceLastMessage: -1, // never messaged
	}))
	// Output:
	// 55
	// 0
}

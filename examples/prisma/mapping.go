package main

import "github.com/msgstats/analytics/store/pgstore"

// prismaSource maps the tables of prisma/schema.prisma for pgstore: the
// PascalCase tables Prisma names after the models, the camelCase columns it
// names after the fields (quoted, so case matters), and the labels of the
// Prisma enums. schema is the Postgres schema of the tables ("" for the
// search_path's).
//
// Every name and value is written out, none left to its default: the
// defaults are the snake_case, lower-case names of the original system,
// which a Prisma schema does not have.
func prismaSource(schema string) pgstore.Source {
	return pgstore.Source{
		Schema: schema,
		Teams: pgstore.TeamsTable{
			Table:    "Team",
			ID:       "id",
			TimeZone: "timezone", // String?: NULL means UTC
			// Json?: the JSON form of analytics.WorkingHours; NULL: none
			WorkingHours: "workingHours",
		},
		Accounts: pgstore.AccountsTable{
			Table:  "WhatsappAccount",
			ID:     "id",
			TeamID: "teamId",
		},
		Messages: pgstore.MessagesTable{
			Table:          "Message",
			ID:             "id",
			TeamID:         "teamId",
			AccountID:      "whatsappAccountId",
			ConversationID: "conversationId",
			Status:         "status",     // enum "MessageStatus"
			SenderType:     "senderType", // enum "SenderType"
			CreatedAt:      "createdAt",  // TIMESTAMP(3), UTC wall time
			// String?: the campaign it was sent for (campaign funnels);
			// NULL: none
			CampaignID: "campaignId",

			SentStatuses:      []string{"SENT"},
			DeliveredStatuses: []string{"DELIVERED"},
			ReadStatuses:      []string{"READ"},
			FailedStatuses:    []string{"FAILED"},
			// PENDING counts towards the total only, on purpose: listed
			// here, it is not counted as unmapped.
			IgnoredStatuses: []string{"PENDING"},

			InboundSenderTypes: []string{"CONTACT"},
			// Listing the outbound sender types makes any other value
			// (a label added later) count as unmapped.
			OutboundSenderTypes: []string{"AGENT", "BOT", "SYSTEM"},
		},
		Conversations: pgstore.ConversationsTable{
			Table:     "Conversation",
			ID:        "id",
			TeamID:    "teamId",
			AccountID: "whatsappAccountId",
			ContactID: "contactId",
			Status:    "status", // enum "ConversationStatus"
			CreatedAt: "createdAt",

			// A PENDING conversation waits for an agent: it is open.
			OpenStatuses:   []string{"OPEN", "PENDING"},
			ClosedStatuses: []string{"CLOSED"},
		},
		Contacts: pgstore.ContactsTable{
			Table:           "Contact",
			ID:              "id",
			TeamID:          "teamId",
			CreatedAt:       "createdAt",
			Blocked:         "isBlocked",
			EngagementScore: "engagementScore",
		},
		Campaigns: pgstore.CampaignsTable{
			Table:             "Campaign",
			TeamID:            "teamId",
			AccountID:         "whatsappAccountId",
			Status:            "status", // enum "CampaignStatus"
			TotalRecipients:   "totalRecipients",
			MessagesSent:      "messagesSent",
			MessagesDelivered: "messagesDelivered",
			MessagesRead:      "messagesRead",
			CreatedAt:         "createdAt",

			// DRAFT and SCHEDULED count towards the total only.
			RunningStatuses:   []string{"RUNNING"},
			CompletedStatuses: []string{"COMPLETED"},
			FailedStatuses:    []string{"FAILED"},
		},
	}
}

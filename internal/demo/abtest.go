package demo

import (
	"context"
	"fmt"

	"github.com/heraldoa/herald/internal/abtest"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/publish"
)

// seedABTests gives Lotus Tea House one finished A/B test of two titles
// (its sample's reads favour the second, which went to the rest) and a
// draft to try a test on.
func seedABTests(ctx context.Context, w *world) error {
	a := w.app
	lotus, owner := w.accounts["lotus"], w.people["lotus"]
	if a.Publish == nil || a.PublishEngine == nil || lotus == nil || owner == nil {
		return nil
	}
	draft := func(title, body string) (*publish.Publication, error) {
		return a.Publish.SaveDraft(ctx, lotus.ID, owner.ID, 0, publish.DraftInput{Articles: []publish.ArticleInput{
			{Title: title, Author: "Lin", Body: body, CommentsOpen: true}}})
	}
	d, err := draft("Three ways to brew oolong", "Gongfu style in a small pot, western style in a mug, or cold-brewed overnight: each brings out another side of the same leaves.")
	if err != nil {
		return err
	}
	tests := abtest.NewStore(a.DB, a.Clock, a.Publish)
	t, err := tests.Create(ctx, lotus.ID, owner.ID, abtest.Input{DraftID: d.ID, SamplePercent: 40, Window: abtest.DefaultWindow,
		Variants: []abtest.VariantInput{{Title: "Three ways to brew oolong"}, {Title: "Brew oolong like a tea master"}}})
	if err != nil {
		return fmt.Errorf("demo A/B test: %w", err)
	}
	for _, v := range t.Variants {
		if _, err := a.PublishEngine.Run(ctx, v.JobID); err != nil {
			return err
		}
	}
	// Reads by the sample: a quarter of A's recipients, half of B's.
	rows, err := a.DB.Query(ctx, `SELECT m.person_id, m.variant, p.first_article_id FROM ab_test_members m
		JOIN ab_test_variants v ON v.test_id = m.test_id AND v.variant = m.variant JOIN publications p ON p.id = v.publication_id
		WHERE m.test_id = ? ORDER BY m.person_id`, t.ID)
	if err != nil {
		return err
	}
	var evs []analytics.Event
	seen := map[int]int{}
	for rows.Next() {
		var person, article int64
		var variant int
		if err := rows.Scan(&person, &variant, &article); err != nil {
			rows.Close()
			return err
		}
		i := seen[variant]
		seen[variant]++
		if (variant == 1 && i%4 == 0) || (variant == 2 && i%2 == 0) {
			evs = append(evs, analytics.Event{AccountID: lotus.ID, Kind: analytics.KindRead, PersonID: person, ObjectID: article,
				Surface: analytics.SurfaceFolder, Device: analytics.DeviceMobile, At: t.StartedAt})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ev := range evs {
		a.Analytics.Record(ev)
	}
	if err := a.Analytics.Flush(ctx); err != nil {
		return err
	}
	// The owner sent the winner before the window ended.
	if t, err = tests.SendWinner(ctx, lotus.ID, t.ID, -1); err != nil {
		return err
	}
	if _, err := a.PublishEngine.Run(ctx, t.WinnerJobID); err != nil {
		return err
	}
	_, err = draft("Winter tea gift boxes", "Three teas, a small pot and two cups, wrapped for the new year. Order before 20 January for delivery before the Spring Festival.")
	return err
}

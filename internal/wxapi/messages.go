package wxapi

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

type mediaPayload struct {
	MediaID      string `json:"media_id"`
	ThumbMediaID string `json:"thumb_media_id"`
	Title        string `json:"title"`
	Description  string `json:"description"`
}

type customMessage struct {
	ToUser        string `json:"touser"`
	MsgType       string `json:"msgtype"`
	CustomService *struct {
		KfAccount string `json:"kf_account"`
	} `json:"customservice"`
	Text *struct {
		Content string `json:"content"`
	} `json:"text"`
	Image *mediaPayload `json:"image"`
	Voice *mediaPayload `json:"voice"`
	Video *mediaPayload `json:"video"`
	Music *struct {
		Title        string `json:"title"`
		Description  string `json:"description"`
		MusicURL     string `json:"musicurl"`
		HQMusicURL   string `json:"hqmusicurl"`
		ThumbMediaID string `json:"thumb_media_id"`
	} `json:"music"`
	News *struct {
		Articles []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			URL         string `json:"url"`
			PicURL      string `json:"picurl"`
		} `json:"articles"`
	} `json:"news"`
	MiniProgramPage *struct {
		Title        string `json:"title"`
		AppID        string `json:"appid"`
		PagePath     string `json:"pagepath"`
		ThumbMediaID string `json:"thumb_media_id"`
	} `json:"miniprogrampage"`
	MsgMenu *struct {
		HeadContent string `json:"head_content"`
		List        []struct {
			ID      string `json:"id"`
			Content string `json:"content"`
		} `json:"list"`
		TailContent string `json:"tail_content"`
	} `json:"msgmenu"`
}

// body turns the request into a stored message body, checking WeChat's
// limits.
func (api *API) customBody(ctx context.Context, a *account.Account, in *customMessage) (string, message.Body, error) {
	mediaBody := func(p *mediaPayload) (message.Body, error) {
		if p == nil || p.MediaID == "" {
			return message.Body{}, wxerr.New(41006)
		}
		it, err := api.TempMedia.Get(ctx, a.ID, p.MediaID)
		if err != nil {
			return message.Body{}, wxerr.New(wxerr.CodeInvalidMediaID)
		}
		return message.Body{MediaKey: it.Key, MediaType: it.ContentType, MediaID: p.MediaID, Title: p.Title, Description: p.Description}, nil
	}
	switch in.MsgType {
	case "text":
		if in.Text == nil || strings.TrimSpace(in.Text.Content) == "" {
			return "", message.Body{}, wxerr.New(44004)
		}
		if len(in.Text.Content) > 2048 {
			return "", message.Body{}, wxerr.New(45002)
		}
		return message.KindText, message.Body{Text: in.Text.Content}, nil
	case "image":
		b, err := mediaBody(in.Image)
		return message.KindImage, b, err
	case "voice":
		b, err := mediaBody(in.Voice)
		return message.KindVoice, b, err
	case "video":
		b, err := mediaBody(in.Video)
		return message.KindVideo, b, err
	case "music":
		if in.Music == nil || in.Music.MusicURL == "" && in.Music.HQMusicURL == "" {
			return "", message.Body{}, wxerr.New(wxerr.CodeDataFormatError)
		}
		if message.ScriptURL(in.Music.MusicURL) || message.ScriptURL(in.Music.HQMusicURL) {
			return "", message.Body{}, wxerr.New(40039)
		}
		u := in.Music.MusicURL
		if u == "" {
			u = in.Music.HQMusicURL
		}
		return message.KindMusic, message.Body{Title: in.Music.Title, Description: in.Music.Description, URL: u}, nil
	case "news":
		if in.News == nil || len(in.News.Articles) == 0 {
			return "", message.Body{}, wxerr.New(44003)
		}
		if len(in.News.Articles) > 1 {
			return "", message.Body{}, wxerr.New(45008)
		}
		a := in.News.Articles[0]
		if utf8.RuneCountInString(a.Title) > 64 {
			return "", message.Body{}, wxerr.New(45003)
		}
		if message.ScriptURL(a.URL) || message.ScriptURL(a.PicURL) {
			return "", message.Body{}, wxerr.New(40039) // as template/send's url
		}
		return message.KindNews, message.Body{Articles: []message.Article{{Title: a.Title, Description: a.Description, URL: a.URL, PicURL: a.PicURL}}}, nil
	case "msgmenu":
		if in.MsgMenu == nil || len(in.MsgMenu.List) == 0 {
			return "", message.Body{}, wxerr.New(wxerr.CodeDataFormatError)
		}
		// Herald shows a message menu as text with its options listed.
		var sb strings.Builder
		sb.WriteString(in.MsgMenu.HeadContent)
		for _, o := range in.MsgMenu.List {
			sb.WriteString("\n• " + o.Content)
		}
		if in.MsgMenu.TailContent != "" {
			sb.WriteString("\n" + in.MsgMenu.TailContent)
		}
		return message.KindText, message.Body{Text: strings.TrimSpace(sb.String())}, nil
	case "miniprogrampage":
		// A linked web app's card: it opens the app at pagepath.
		p := in.MiniProgramPage
		if p == nil || p.AppID == "" || api.WebApps == nil {
			return "", message.Body{}, wxerr.New(wxerr.CodeDataFormatError)
		}
		if _, err := api.WebApps.ByAppID(ctx, a.ID, p.AppID); err != nil {
			return "", message.Body{}, wxerr.New(wxerr.CodeInvalidAppID)
		}
		if utf8.RuneCountInString(p.Title) > 64 {
			return "", message.Body{}, wxerr.New(45003)
		}
		pic := ""
		if p.ThumbMediaID != "" {
			if _, err := api.TempMedia.Get(ctx, a.ID, p.ThumbMediaID); err != nil {
				return "", message.Body{}, wxerr.New(wxerr.CodeInvalidMediaID)
			}
			pic = api.pictureURL(p.ThumbMediaID)
		}
		u := strings.TrimSuffix(api.BaseURL, "/") + "/w/" + url.PathEscape(p.AppID) + "?from=chat&path=" + url.QueryEscape(p.PagePath)
		return message.KindNews, message.Body{Articles: []message.Article{{Title: p.Title, URL: u, PicURL: pic}}}, nil
	case "":
		return "", message.Body{}, wxerr.New(wxerr.CodeDataFormatError)
	}
	return "", message.Body{}, wxerr.New(40008)
}

// POST /cgi-bin/message/custom/send
func (api *API) customSend(ctx context.Context, a *account.Account, in *customMessage) (any, error) {
	f, err := api.following(ctx, a, in.ToUser)
	if err != nil {
		return nil, err
	}
	if f.Blocked {
		return nil, wxerr.New(43019)
	}
	kind, body, err := api.customBody(ctx, a, in)
	if err != nil {
		return nil, err
	}
	// With customservice.kf_account the message comes from the kf
	// account's member, as an inbox agent's reply.
	sender, agent := message.SenderAPI, int64(0)
	if in.CustomService != nil && in.CustomService.KfAccount != "" && api.Kf != nil {
		if agent, err = api.Kf.Sender(ctx, a, in.CustomService.KfAccount); err != nil {
			return nil, err
		}
		sender = message.SenderAgent
	}
	_, err = api.Chat.Send(ctx, a.ID, f.PersonID, kind, sender, agent, body)
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, message.ErrWindowClosed):
		return nil, wxerr.New(wxerr.CodeOutOfResponseWindow)
	case errors.Is(err, message.ErrWindowExhausted):
		return nil, wxerr.New(wxerr.CodeOutOfResponseCount)
	case errs.KindOf(err) == errs.KindConflict:
		return nil, wxerr.New(wxerr.CodeRequireSubscribe)
	case errs.KindOf(err) == errs.KindForbidden:
		return nil, wxerr.New(48004)
	case errs.KindOf(err) == errs.KindInvalid:
		return nil, wxerr.New(wxerr.CodeInvalidParameter)
	}
	return nil, err
}

// following resolves an openid within account a that follows it (43004
// for one that unfollowed).
func (api *API) following(ctx context.Context, a *account.Account, openid string) (*follow.Follow, error) {
	f, err := api.follower(ctx, a, openid)
	if err != nil {
		return nil, err
	}
	if !f.Following {
		return nil, wxerr.New(wxerr.CodeRequireSubscribe)
	}
	return f, nil
}

type typingIn struct {
	ToUser  string `json:"touser"`
	Command string `json:"command"`
}

// POST /cgi-bin/message/custom/typing {"touser","command":"Typing"|"CancelTyping"}
func (api *API) customTyping(ctx context.Context, a *account.Account, in *typingIn) (any, error) {
	f, err := api.following(ctx, a, in.ToUser)
	if err != nil {
		return nil, err
	}
	if in.Command != "Typing" && in.Command != "CancelTyping" {
		return nil, wxerr.New(wxerr.CodeInvalidParameter)
	}
	if api.Bus != nil {
		api.Bus.Publish(realtime.PersonTopic(f.PersonID), realtime.Event{Type: "typing", Data: map[string]any{
			"account_id": strconv.FormatInt(a.ID, 10), "typing": in.Command == "Typing"}})
	}
	return nil, nil
}

package awstest

import (
	"context"
	"crypto/md5" //nolint:gosec // SQS's message checksum is MD5; the SDK verifies it.
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// defaultVisibility is SQS's default visibility timeout.
const defaultVisibility = 30 * time.Second

type queue struct {
	name     string
	messages []*queuedMessage
	// changed is closed, and replaced, whenever a message arrives, waking long polls.
	changed chan struct{}
}

type queuedMessage struct {
	Message
	handles   map[string]bool
	invisible time.Time
}

// wake ends the current long polls; under mu.
func (q *queue) wake() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// CreateQueue creates an SQS queue (if needed) and returns its URL.
func (s *Server) CreateQueue(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queueNamed(name)
	return s.queueURL(name)
}

func (s *Server) queueURL(name string) string { return s.URL() + "/" + AccountID + "/" + name }

// queueNamed returns the queue, creating it; under mu.
func (s *Server) queueNamed(name string) *queue {
	q := s.queues[name]
	if q == nil {
		q = &queue{name: name, changed: make(chan struct{})}
		s.queues[name] = q
	}
	return q
}

// SendMessage marshals v to JSON (a string is sent as it is) and puts it on the queue, creating
// the queue if needed. It returns the message ID.
func (s *Server) SendMessage(queueName string, v any) (string, error) {
	body, ok := v.(string)
	if !ok {
		data, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("encoding the message for queue %s: %w", queueName, err)
		}
		body = string(data)
	}
	return s.SendRawMessage(queueName, body), nil
}

// SendRawMessage puts body on the queue exactly as given, malformed or not.
func (s *Server) SendRawMessage(queueName, body string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enqueue(s.queueNamed(queueName), body)
}

// enqueue adds a message; under mu.
func (s *Server) enqueue(q *queue, body string) string {
	s.seq++
	id := fmt.Sprintf("%08x-0000-4000-8000-%012x", s.seq, s.seq)
	q.messages = append(q.messages, &queuedMessage{Message: Message{ID: id, Body: body, SentTimestamp: time.Now().UTC()}, handles: map[string]bool{}})
	q.wake()
	return id
}

// Messages returns the messages still on the queue (not yet deleted), visible or not.
func (s *Server) Messages(queueName string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[queueName]
	if q == nil {
		return nil
	}
	out := make([]Message, 0, len(q.messages))
	for _, m := range q.messages {
		out = append(out, m.Message)
	}
	return out
}

func (s *Server) sqsHandlers() map[string]jsonHandler {
	return map[string]jsonHandler{
		"CreateQueue":        s.sqsCreateQueue,
		"GetQueueUrl":        s.getQueueURL,
		"GetQueueAttributes": s.getQueueAttributes,
		"ReceiveMessage":     s.receiveMessage,
		"DeleteMessage":      s.deleteMessage,
		"SendMessage":        s.sqsSendMessage,
	}
}

func queueNotFound() error {
	return &jsonError{
		apiError:  apiError{status: http.StatusBadRequest, code: "QueueDoesNotExist", message: "The specified queue does not exist."},
		queryCode: "AWS.SimpleQueueService.NonExistentQueue",
	}
}

// queueByURL finds the queue a QueueUrl names by its last path element; under mu.
func (s *Server) queueByURL(url string) (*queue, error) {
	name := url[strings.LastIndex(url, "/")+1:]
	q := s.queues[name]
	if q == nil {
		return nil, queueNotFound()
	}
	return q, nil
}

func (s *Server) sqsCreateQueue(_ context.Context, body []byte) (any, error) {
	var in struct{ QueueName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return map[string]string{"QueueUrl": s.CreateQueue(in.QueueName)}, nil
}

func (s *Server) getQueueURL(_ context.Context, body []byte) (any, error) {
	var in struct{ QueueName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queues[in.QueueName] == nil {
		return nil, queueNotFound()
	}
	return map[string]string{"QueueUrl": s.queueURL(in.QueueName)}, nil
}

func (s *Server) getQueueAttributes(_ context.Context, body []byte) (any, error) {
	var in struct{ QueueUrl string } //nolint:revive // the wire name
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueByURL(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	now, visible, inFlight := time.Now(), 0, 0
	for _, m := range q.messages {
		if m.invisible.After(now) {
			inFlight++
		} else {
			visible++
		}
	}
	return map[string]any{"Attributes": map[string]string{
		"QueueArn":                              fmt.Sprintf("arn:aws:sqs:%s:%s:%s", Region, AccountID, q.name),
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inFlight),
	}}, nil
}

type sqsMessage struct {
	MessageID     string            `json:"MessageId"`
	ReceiptHandle string            `json:"ReceiptHandle"`
	MD5OfBody     string            `json:"MD5OfBody"`
	Body          string            `json:"Body"`
	Attributes    map[string]string `json:"Attributes,omitempty"`
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // SQS's checksum
	return hex.EncodeToString(sum[:])
}

// receiveMessage long-polls for at most min(WaitTimeSeconds, MaxWait).
func (s *Server) receiveMessage(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueUrl            string //nolint:revive // the wire name
		MaxNumberOfMessages int
		WaitTimeSeconds     int
		VisibilityTimeout   *int
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.MaxNumberOfMessages == 0 {
		in.MaxNumberOfMessages = 1
	}
	if in.MaxNumberOfMessages < 1 || in.MaxNumberOfMessages > 10 || in.WaitTimeSeconds < 0 || in.WaitTimeSeconds > 20 {
		return nil, &apiError{status: http.StatusBadRequest, code: "InvalidParameterValue",
			message: "MaxNumberOfMessages must be 1..10 and WaitTimeSeconds 0..20"}
	}
	visibility := defaultVisibility
	if in.VisibilityTimeout != nil {
		visibility = time.Duration(*in.VisibilityTimeout) * time.Second
	}
	deadline := time.Now().Add(min(time.Duration(in.WaitTimeSeconds)*time.Second, MaxWait))
	for {
		s.mu.Lock()
		q, err := s.queueByURL(in.QueueUrl)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		now := time.Now()
		got := s.takeVisible(q, in.MaxNumberOfMessages, now, visibility)
		changed := q.changed
		s.mu.Unlock()
		if len(got) > 0 || !now.Before(deadline) {
			return map[string]any{"Messages": got}, nil
		}
		// An in-flight message that times out becomes visible without a send, so wake for it too.
		wait := time.NewTimer(min(deadline.Sub(now), 100*time.Millisecond))
		select {
		case <-ctx.Done():
			wait.Stop()
			return nil, fmt.Errorf("long poll ended: %w", ctx.Err())
		case <-changed:
		case <-wait.C:
		}
		wait.Stop()
	}
}

// takeVisible hides up to n visible messages for the visibility timeout and returns them with
// fresh receipt handles; under mu.
func (s *Server) takeVisible(q *queue, n int, now time.Time, visibility time.Duration) []sqsMessage {
	out := []sqsMessage{}
	for _, m := range q.messages {
		if len(out) == n {
			break
		}
		if m.invisible.After(now) {
			continue
		}
		m.ReceiveCount++
		m.invisible = now.Add(visibility)
		s.seq++
		handle := fmt.Sprintf("%s#%d", m.ID, s.seq)
		m.handles[handle] = true
		out = append(out, sqsMessage{MessageID: m.ID, ReceiptHandle: handle, MD5OfBody: md5Hex(m.Body), Body: m.Body,
			Attributes: map[string]string{
				"SentTimestamp":           strconv.FormatInt(m.SentTimestamp.UnixMilli(), 10),
				"ApproximateReceiveCount": strconv.Itoa(m.ReceiveCount),
			}})
	}
	return out
}

func (s *Server) deleteMessage(_ context.Context, body []byte) (any, error) {
	var in struct {
		QueueUrl      string //nolint:revive // the wire name
		ReceiptHandle string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueByURL(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(q.messages, func(m *queuedMessage) bool { return m.handles[in.ReceiptHandle] })
	if i < 0 {
		if strings.Contains(in.ReceiptHandle, "#") {
			// A handle of a message already deleted: SQS accepts deleting twice.
			return struct{}{}, nil
		}
		return nil, &jsonError{
			apiError:  apiError{status: http.StatusBadRequest, code: "ReceiptHandleIsInvalid", message: "The input receipt handle \"" + in.ReceiptHandle + "\" is not a valid receipt handle."},
			queryCode: "ReceiptHandleIsInvalid",
		}
	}
	q.messages = slices.Delete(q.messages, i, i+1)
	return struct{}{}, nil
}

func (s *Server) sqsSendMessage(_ context.Context, body []byte) (any, error) {
	var in struct {
		QueueUrl    string //nolint:revive // the wire name
		MessageBody string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.MessageBody == "" {
		return nil, &apiError{status: http.StatusBadRequest, code: "MissingParameter", message: "The request must contain the parameter MessageBody."}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueByURL(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	id := s.enqueue(q, in.MessageBody)
	return map[string]string{"MessageId": id, "MD5OfMessageBody": md5Hex(in.MessageBody)}, nil
}

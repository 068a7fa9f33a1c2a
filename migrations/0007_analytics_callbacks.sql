-- Analytics callbacks (meta_analytics-callback-url): the frontend's URL is kept with the meeting's
-- other callback URLs, and the node's report is relayed through the deliveries queue.
ALTER TABLE meeting_callbacks ADD COLUMN analytics_callback_url text;
ALTER TABLE callback_deliveries DROP CONSTRAINT callback_deliveries_kind_check;
ALTER TABLE callback_deliveries ADD CONSTRAINT callback_deliveries_kind_check
  CHECK (kind IN ('recording_ready', 'meeting_ended', 'analytics'));

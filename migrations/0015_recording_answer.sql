-- Each recording's <recording> element of getRecordings, kept ready in answer_xml so an answer of
-- 500 recordings is one fetch and a join instead of JSON built per request and XML rendered in
-- the Worker. Triggers keep it current whoever writes (ingest, the API calls, the importer,
-- retention, reindex, and the previous release during an upgrade). Expand only: a new column the
-- previous release never reads.
--
-- The text is exactly what src/recordings/render.ts renders through src/bbb/xml.ts (a test
-- compares the two), with per-request parts left as markers the Worker fills:
--   \x01           the balancer's origin, before every URL stored as a path;
--   \x02 … \x03    the <protected> element, shown only when PROTECTED_RECORDINGS_ENABLED.
-- Neither character can occur otherwise: the builder drops both from text.
-- A protected recording's links are per request (one-time tokens): the Worker renders those
-- recordings itself when protection is on.
ALTER TABLE recordings ADD COLUMN answer_xml text;

-- Text as the builder writes it: characters XML 1.0 cannot carry dropped (translate only when there
-- are some: it is the slow part), then & < > and CR escaped.
CREATE FUNCTION recording_xml_text(s text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT replace(replace(replace(replace(
           CASE WHEN s ~ E'[\x01-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]'
                THEN translate(s, E'\x01\x02\x03\x04\x05\x06\x07\x08\x0B\x0C\x0E\x0F\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1A\x1B\x1C\x1D\x1E\x1F\uFFFE\uFFFF', '')
                ELSE s END,
           '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), E'\r', '&#13;')
$$;

-- An element with text; nothing for NULL (the renderer's undefined).
CREATE FUNCTION recording_xml_element(name text, value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN value IS NULL THEN '' ELSE '<' || name || '>' || recording_xml_text(value) || '</' || name || '>' END
$$;

-- An attribute value: text escaping, then the quotes.
CREATE FUNCTION recording_xml_attribute(name text, value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ' ' || name || '="' || replace(replace(recording_xml_text(value), '"', '&quot;'), '''', '&apos;') || '"'
$$;

-- A stored path becomes a link on the balancer's origin (\x01); a full URL stays as it is.
CREATE FUNCTION recording_xml_url(url text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN left(url, 1) = '/' THEN E'\x01' ELSE '' END || recording_xml_text(url)
$$;

-- A JSON value as JavaScript's String() gives it for what metadata and previews hold.
CREATE FUNCTION recording_xml_string(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE jsonb_typeof(v) WHEN 'null' THEN 'null' WHEN 'object' THEN '[object Object]' ELSE v #>> '{}' END
$$;

-- The <recording> element of one row of recordings: its columns, its formats and its breakout rooms.
-- PL/pgSQL keeps the statement's plan for the session; an SQL function called from a trigger
-- would plan it again on every row.
CREATE FUNCTION recording_answer(r recordings) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  m jsonb := CASE WHEN jsonb_typeof(r.metadata) = 'object' THEN r.metadata ELSE '{}' END;
BEGIN
  RETURN (SELECT '<recording>'
    || recording_xml_element('recordID', r.record_id)
    || recording_xml_element('meetingID', r.meeting_id)
    || recording_xml_element('internalMeetingID', r.internal_meeting_id)
    || recording_xml_element('name', r.name)
    || recording_xml_element('isBreakout', r.is_breakout::text)
    || recording_xml_element('published', r.published::text)
    || E'\x02' || recording_xml_element('protected', r.protected::text) || E'\x03'
    || recording_xml_element('state', r.state)
    || recording_xml_element('startTime', ((extract(epoch FROM r.start_time) * 1000)::bigint)::text)
    || recording_xml_element('endTime', ((extract(epoch FROM r.end_time) * 1000)::bigint)::text)
    || recording_xml_element('participants', r.participants::text)
    || recording_xml_element('rawSize', r.raw_size::text)
    -- Keys that can be element names, in jsonb's order, then what metadata.xml has beside them.
    || '<metadata>'
    || coalesce((SELECT string_agg(recording_xml_element(e.key, recording_xml_string(e.value)), '' ORDER BY e.n)
                 FROM jsonb_each(m) WITH ORDINALITY AS e(key, value, n)
                 WHERE e.key ~ '^[A-Za-z_][A-Za-z0-9_.-]*$' AND lower(e.key) NOT LIKE 'xml%' AND e.key <> '__proto__'), '')
    || CASE WHEN m ? 'isBreakout' THEN '' ELSE recording_xml_element('isBreakout', r.is_breakout::text) END
    || CASE WHEN m ? 'meetingId' THEN '' ELSE recording_xml_element('meetingId', r.meeting_id) END
    || CASE WHEN m ? 'meetingName' THEN '' ELSE recording_xml_element('meetingName', r.name) END
    || '</metadata>'
    || CASE WHEN r.is_breakout
         THEN '<breakout>' || recording_xml_element('parentId', coalesce(r.parent_meeting_id, ''))
              || recording_xml_element('sequence', r.breakout_sequence::text) || '</breakout>'
         ELSE '' END
    || coalesce((SELECT '<breakoutRooms>' || string_agg(recording_xml_element('breakoutRoom', b.record_id), '' ORDER BY b.breakout_sequence, b.record_id) || '</breakoutRooms>'
                 FROM recordings b
                 WHERE b.tenant_id = r.tenant_id AND b.parent_meeting_id = r.internal_meeting_id AND b.state <> 'deleted'), '')
    || recording_xml_element('size', r.size::text)
    || coalesce((SELECT '<playback>' || string_agg(
                   '<format>' || recording_xml_element('type', f.format)
                   || '<url>' || recording_xml_url(f.url) || '</url>'
                   || recording_xml_element('processingTime', f.processing_time::text)
                   || recording_xml_element('length', f.length::text)
                   || recording_xml_element('size', f.size::text)
                   || coalesce((SELECT '<preview><images>' || string_agg(
                                  '<image' || recording_xml_attribute('alt', coalesce(recording_xml_string(nullif(i.value -> 'alt', 'null')), ''))
                                  || recording_xml_attribute('height', coalesce(recording_xml_string(nullif(i.value -> 'height', 'null')), ''))
                                  || recording_xml_attribute('width', coalesce(recording_xml_string(nullif(i.value -> 'width', 'null')), ''))
                                  || '>' || recording_xml_url(coalesce(i.value ->> 'url', '')) || '</image>', '' ORDER BY i.n) || '</images></preview>'
                                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(f.preview) = 'array' THEN f.preview ELSE '[]' END) WITH ORDINALITY AS i(value, n)), '')
                   || '</format>', '' ORDER BY f.format) || '</playback>'
                 FROM playback_formats f WHERE f.recording_id = r.id), '<playback></playback>')
    || '</recording>');
END
$$;

-- Every write of a recording renders it again.
CREATE FUNCTION recording_answer_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.answer_xml := recording_answer(NEW);
  RETURN NEW;
END
$$;
CREATE TRIGGER recording_answer_refresh BEFORE INSERT OR UPDATE ON recordings
  FOR EACH ROW EXECUTE FUNCTION recording_answer_refresh();

-- A write of its formats renders the recording again (once per statement, whatever the rows).
CREATE FUNCTION recording_answer_formats() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE recordings SET answer_xml = NULL WHERE id IN (SELECT recording_id FROM changed_formats);
  RETURN NULL;
END
$$;
CREATE TRIGGER recording_answer_formats_insert AFTER INSERT ON playback_formats
  REFERENCING NEW TABLE AS changed_formats FOR EACH STATEMENT EXECUTE FUNCTION recording_answer_formats();
CREATE TRIGGER recording_answer_formats_update AFTER UPDATE ON playback_formats
  REFERENCING NEW TABLE AS changed_formats FOR EACH STATEMENT EXECUTE FUNCTION recording_answer_formats();
CREATE TRIGGER recording_answer_formats_delete AFTER DELETE ON playback_formats
  REFERENCING OLD TABLE AS changed_formats FOR EACH STATEMENT EXECUTE FUNCTION recording_answer_formats();

-- A breakout room listed, unlisted or renumbered renders its parent again (<breakoutRooms>).
-- The parent's own refresh changes none of the columns watched, so it goes no further.
CREATE INDEX recordings_internal_meeting ON recordings (tenant_id, internal_meeting_id);
CREATE FUNCTION recording_answer_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.parent_meeting_id IS NOT NULL THEN
    UPDATE recordings SET answer_xml = NULL WHERE tenant_id = OLD.tenant_id AND internal_meeting_id = OLD.parent_meeting_id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.parent_meeting_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR (NEW.tenant_id, NEW.parent_meeting_id) IS DISTINCT FROM (OLD.tenant_id, OLD.parent_meeting_id)) THEN
    UPDATE recordings SET answer_xml = NULL WHERE tenant_id = NEW.tenant_id AND internal_meeting_id = NEW.parent_meeting_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER recording_answer_parent_insert AFTER INSERT ON recordings
  FOR EACH ROW WHEN (NEW.parent_meeting_id IS NOT NULL) EXECUTE FUNCTION recording_answer_parent();
CREATE TRIGGER recording_answer_parent_update AFTER UPDATE ON recordings
  FOR EACH ROW WHEN ((OLD.parent_meeting_id IS NOT NULL OR NEW.parent_meeting_id IS NOT NULL)
                     AND (OLD.tenant_id, OLD.record_id, OLD.state, OLD.breakout_sequence, OLD.parent_meeting_id)
                         IS DISTINCT FROM (NEW.tenant_id, NEW.record_id, NEW.state, NEW.breakout_sequence, NEW.parent_meeting_id))
  EXECUTE FUNCTION recording_answer_parent();
CREATE TRIGGER recording_answer_parent_delete AFTER DELETE ON recordings
  FOR EACH ROW WHEN (OLD.parent_meeting_id IS NOT NULL) EXECUTE FUNCTION recording_answer_parent();

-- Existing rows: one pass, each rendered by the trigger above. Left nullable: a row without its
-- element (none should be) is rendered by the Worker rather than fail a write.
UPDATE recordings SET answer_xml = NULL;

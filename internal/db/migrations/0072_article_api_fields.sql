-- Drafts and publishing API: the article fields of WeChat's
-- draft/add that the console editor has no field for. They travel with the
-- article (publish.ArticleInput), so an API draft edited in the console keeps
-- them. image_media_ids: a newspic (image post) article's images, media-library
-- media_ids separated by commas, in order.
ALTER TABLE articles ADD COLUMN show_cover_pic BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE articles ADD COLUMN pic_crop_235_1 TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN pic_crop_1_1 TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN image_media_ids TEXT NOT NULL DEFAULT '';

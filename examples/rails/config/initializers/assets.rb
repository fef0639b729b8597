# Version of the assets; change it to expire them all.
Rails.application.config.assets.version = "1.0"

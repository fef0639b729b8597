require_relative "boot"

# Only what serving and precompiling assets needs: no database, no mailer,
# no jobs, no Active Storage.
require "rails"
require "action_controller/railtie"
require "action_view/railtie"
require "sprockets/railtie"

Bundler.require(*Rails.groups)

module Shop
  class Application < Rails::Application
    config.load_defaults 6.1
    config.eager_load = false
  end
end

// NiceGUI custom component: a plain element handed to one of the socket-free door modules.
export default {
  template: "<div></div>",
  props: { module: String, options: Object },
  mounted() {
    window[this.module].mount(this.$el, this.options);
  },
};
